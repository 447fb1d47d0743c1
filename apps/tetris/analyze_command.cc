// `tetris analyze TRACE`: liveness at topology and instruction level; prints both lower bounds,
// buffers, pieces and conflicts, and writes the chosen level's problem for `tetris plan`.
#include <chrono>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "apps/tetris/cli.h"
#include "apps/tetris/progress_line.h"
#include "common/file_io.h"
#include "common/input_error.h"
#include "common/text.h"
#include "common/trace_io.h"
#include "memmgr/problem_io.h"
#include "pipeline/pipeline.h"

namespace po = boost::program_options;

namespace tetris::cli {

int analyze(std::span<const std::string> args) {
  std::string file, level = "instruction", csv_out;
  pipeline::AnalysisOptions analysis;
  bool list_buffers = false;
  OutputOptions output;
  po::options_description options("options");
  options.add_options()
      ("trace", po::value(&file)->required(), "the trace to analyse")
      ("level", po::value(&level)->default_value(level), "which problem --out writes: instruction, topology or tensor")
      ("max-pieces", po::value(&analysis.max_pieces_per_tensor)->default_value(analysis.max_pieces_per_tensor),
       "instruction level: pieces per tensor at most")
      ("alignment", po::value(&analysis.alignment)->default_value(analysis.alignment), "base address alignment, bytes")
      ("buffers", po::bool_switch(&list_buffers), "list every buffer with its pieces and conflicts")
      ("csv", po::value(&csv_out)->notifier([](const std::string& p) { check_output_file(p, "--csv"); }),
       "also write the problem as MiniMalloc CSV (one-piece problems only)");
  add_memory_option(options, analysis.max_memory_bytes);
  output.add_to(options, "write the problem (JSON, which is also YAML) to this file");
  po::positional_options_description positional;
  positional.add("trace", 1);
  if (!parse("analyze", "TRACE [--level instruction|topology|tensor] [--out PROBLEM.json] [--csv FILE]", args, options,
             positional))
    return kExitOk;
  const auto chosen_level = pipeline::parse_level(level);
  if (!chosen_level) throw InputError({"--level"}, fmt::format("unknown level '{}' (instruction, topology or tensor)", level));
  ProgressLine progress(output.quiet || output.json);
  progress.update(fmt::format("reading {}", file));
  pipeline::check_trace_fits(file, analysis);
  const Program program = read_trace_file(file);
  progress.update(fmt::format("analysing {}: happens-before, then liveness at every level", file));
  const auto start = std::chrono::steady_clock::now();
  const pipeline::Liveness liveness = pipeline::analyse(program, analysis, file);
  progress.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const memmgr::Problem& topology = liveness.topology;
  const memmgr::Problem& instruction = liveness.instruction;
  const memmgr::Problem& chosen = liveness.at(*chosen_level);

  if (!output.out.empty()) write_text_file_atomically(output.out, memmgr::problem_to_json(chosen));
  if (!csv_out.empty()) {
    if (!chosen.is_interval_problem())
      throw InputError({"--csv"}, "MiniMalloc CSV holds one piece per buffer: use --level topology");
    write_text_file_atomically(csv_out, memmgr::problem_to_minimalloc_csv(chosen));
  }
  if (output.quiet) return kExitOk;
  const double ratio = topology.lower_bound() ? double(instruction.lower_bound()) / double(topology.lower_bound()) : 0;
  if (output.json) {
    nlohmann::ordered_json json;
    for (const auto* p : {&topology, &instruction}) {
      const char* key = p == &topology ? "topology" : "instruction";
      json[key] = {{"buffers", p->buffers().size()}, {"pieces", p->pieces().size()},
                   {"conflicts", p->conflict_count()}, {"conflict_blocks", p->conflict_block_count()},
                   {"lower_bound_bytes", p->lower_bound()}};
    }
    json["instruction"]["live_bytes_bound"] = memmgr::max_live_bytes(instruction.pieces());
    json["instruction"]["lower_bound_source"] = instruction.lower_bound_source();
    json["instruction_over_topology"] = ratio;
    json["sync_epochs"] = liveness.sync_epochs;
    fmt::print("{}\n", json_text(json, 2));
    return kExitOk;
  }
  fmt::print("{}: {} cores, {} instructions, {} sync epochs, analysed in {:.3f} s\n\n", file, program.cores,
             liveness.instructions, liveness.sync_epochs, seconds);
  fmt::print("{:<12} {:>8} {:>8} {:>12} {:>10} {:>18}\n", "level", "buffers", "pieces", "conflicts", "blocks",
             "lower bound (B)");
  for (const auto* p : {&topology, &instruction})
    fmt::print("{:<12} {:>8} {:>8} {:>12} {:>10} {:>18}\n", p == &topology ? "topology" : "instruction",
               p->buffers().size(), p->pieces().size(), p->conflict_count(), p->conflict_block_count(), p->lower_bound());
  fmt::print("\ninstruction-level lower bound / topology-level: {:.4f}\n", ratio);
  fmt::print("instruction-level bound from: {}\n", instruction.lower_bound_source());
  if (list_buffers) {
    fmt::print("\n{} level:\n{:<32} {:>12} {:>7} {:>10}\n", level, "buffer", "bytes", "pieces", "conflicts");
    for (memmgr::BufferId b = 0; b < chosen.buffers().size(); ++b)
      fmt::print("{:<32} {:>12} {:>7} {:>10}\n", chosen.buffers()[b].name, chosen.buffers()[b].size,
                 chosen.buffers()[b].piece_count, chosen.conflicting_buffers(b).size());
  }
  return kExitOk;
}

}  // namespace tetris::cli
