// `tetris run`: the job users come for (pipeline::run_job): lower a model onto the machine,
// analyse liveness at both levels, plan with every planner, simulate every plan, and write the
// run folder. Exit 1 when the Tetris plan is unsafe; unsafe baselines are marked, not failures.
#include <ctime>
#include <filesystem>

#include <fmt/format.h>

#include "apps/tetris/cli.h"
#include "apps/tetris/progress_line.h"
#include "apps/tetris/version.h"
#include "common/file_io.h"
#include "common/input_error.h"
#include "pipeline/pipeline.h"
#include "pipeline/run_folder.h"

namespace po = boost::program_options;

namespace tetris::cli {
namespace {

// `-p key=v1,v2,...` makes a sweep: every combination of the listed values, in order (the last
// -p varies fastest). Each cell is the list of plain `key=value` overrides.
std::vector<std::vector<std::string>> param_grid(const std::vector<std::string>& params) {
  std::vector<std::vector<std::string>> cells{{}};
  for (const std::string& param : params) {
    const ConfigOverride parsed = parse_override(param);
    std::vector<std::string> values;
    for (std::size_t at = 0;;) {
      const std::size_t comma = parsed.value.find(',', at);
      values.push_back(parsed.value.substr(at, comma == std::string::npos ? std::string::npos : comma - at));
      if (comma == std::string::npos) break;
      at = comma + 1;
    }
    std::vector<std::vector<std::string>> next;
    for (const auto& cell : cells)
      for (const std::string& value : values) {
        if (value.empty()) throw InputError({fmt::format("-p {}", param)}, "an empty value in a list of values");
        next.push_back(cell);
        next.back().push_back(parsed.path + "=" + value);
      }
    cells = std::move(next);
  }
  return cells;
}

std::string cell_name(const std::vector<std::string>& cell) {
  std::string name;
  for (const std::string& param : cell) name += (name.empty() ? "" : ",") + param;
  for (char& c : name)
    if (c == '/') c = '_';
  return name.empty() ? "default" : name;
}

}  // namespace

int run(std::span<const std::string> args) {
  ConfigOptions config_options;
  pipeline::JobOptions job;
  LoweringFlags lowering;
  OutputOptions output;
  output.out = "out";
  po::options_description options("options");
  config_options.add_to(options);
  options.add_options()
      ("model,m", po::value(&job.model.model)->default_value(job.model.model), "zoo name, model YAML or ONNX file")
      ("batch", po::value(&job.model.batch)->default_value(job.model.batch), "batch size");
  add_model_shape_options(options, job.model.sequence, job.model.weight_density);
  lowering.add_to(options);
  add_search_options(options, job.search);
  add_memory_option(options, job.analysis.max_memory_bytes);
  std::uint64_t memory_budget = 0;
  options.add_options()
      ("memory-budget", po::value(&memory_budget),
       "bytes the plan may take: run the fastest schedule (layer, or cascades at every --cascade-slowdown "
       "allowance) whose Tetris plan fits; exit 2 saying by how much the smallest misses");
  bool sim_all = false;  // every plan is simulated now; the flag stays for scripts that pass it
  options.add_options()
      ("sim-all", po::bool_switch(&sim_all), "(always on) every plan is simulated with the conflict checker");
  output.add_to(options, "output folder (default: out)", /*out_is_folder=*/true);
  if (!parse("run", "[--config FILE|NAME] [--model NAME|FILE] [-p KEY=VALUE[,VALUE...]]... [--out DIR]", args, options, {}))
    return kExitOk;
  job.lowering = lowering.parse();
  if (memory_budget > 0) job.memory_budget = memory_budget;
  job.tool_version = std::string(tetris_version());
  {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    ::gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    job.date = text;
  }
  job.command_line = "tetris run";
  for (const std::string& arg : args) {
    job.command_line += ' ';
    job.command_line += shell_quoted(arg);
  }

  pipeline::check_run_folder(output.out);  // before the work, not after it
  ProgressLine progress(output.quiet);
  const auto cells = param_grid(config_options.params);
  if (cells.size() > 1) {
    // A sweep: one run folder per cell inside OUT, and sweep.csv with every cell's rows (the
    // provenance columns say which values each row had); OUT is published whole, as a run is.
    std::vector<MachineConfig> configs;  // every cell's config is valid before any work
    for (const auto& cell : cells) {
      ConfigOptions one = config_options;
      one.params = cell;
      configs.push_back(one.load());
    }
    bool any_conflict = false;
    std::size_t no_fit = 0;
    pipeline::publish_run_folder(output.out, [&](const std::filesystem::path& root) {
      std::string merged;
      for (std::size_t i = 0; i < cells.size(); ++i) {
        const MachineConfig& config = configs[i];
        const std::string name = cell_name(cells[i]);
        progress.update(fmt::format("sweep cell {}/{}: {}", i + 1, cells.size(), name));
        pipeline::JobOptions cell_job = job;
        cell_job.search.on_progress = {};
        const std::string trace_path = (std::filesystem::path(output.out) / name / "trace.trace").string();
        const pipeline::Job result = pipeline::run_job(config, cell_job, trace_path);
        std::filesystem::create_directories(root / name);
        pipeline::write_job_files(result, config, root / name);
        const std::string csv = result.report.csv();
        merged += merged.empty() ? csv : csv.substr(csv.find('\n') + 1);
        any_conflict |= result.any_conflict;
        no_fit += result.tetris_over_arena.has_value();
        const pipeline::PlanRow* tetris = result.report.find("tetris", "instruction");
        if (!output.quiet && tetris) {
          progress.finish();
          fmt::print("{}: Tetris plan {:.2f} MiB, {} cycles, {}\n", name, tetris->peak_bytes / 1048576.0,
                     tetris->cycles ? fmt::to_string(*tetris->cycles) : "-", tetris->over_arena ? "DOES NOT FIT" : tetris->safe() ? "safe" : "UNSAFE");
        }
      }
      write_text_file_atomically((root / "sweep.csv").string(), merged);
    });
    progress.finish();
    if (!output.quiet)
      fmt::print("written to {}/: a run folder per cell and sweep.csv ({} cells)\n", output.out, cells.size());
    if (no_fit) {
      fmt::print(stderr, "tetris run: in {} of {} cells the Tetris plan does not fit the memory (see sweep.csv, "
                 "over_arena_bytes)\n", no_fit, cells.size());
      return kExitBadInput;
    }
    return any_conflict ? kExitCheckFailed : kExitOk;
  }
  const MachineConfig config = config_options.load();
  if (progress.enabled())
    job.search.on_progress = [&](const memmgr::SearchProgress& p) {
      progress.update(fmt::format("planning: generation {}  best {:.2f} MiB  bound {:.2f} MiB", p.generation,
                                  p.best_peak / 1048576.0, p.lower_bound / 1048576.0));
    };
  const std::string trace_path = (std::filesystem::path(output.out) / "trace.trace").string();
  const pipeline::Job result = pipeline::run_job(config, job, trace_path, progress.status());
  progress.finish();
  pipeline::write_job_folder(result, config, output.out);
  if (!output.quiet) {
    if (output.json) fmt::print("{}", result.report.json());
    else fmt::print("{}\nwritten to {}/: config.yaml, trace.trace, plans/, report.json, report.csv, layers.csv, tensors.csv, layout.svg, report.html\n",
                    result.report.table(), output.out);
  }
  if (result.tetris_over_arena) {
    fmt::print(stderr, "tetris run: the Tetris plan ({} bytes) does not fit: it is {} bytes over the {} bytes "
               "memory.capacity_bytes leaves beside the weights (the report in {}/ has every plan)\n",
               result.report.arena_bytes + *result.tetris_over_arena, *result.tetris_over_arena,
               result.report.arena_bytes, output.out);
    return kExitBadInput;
  }
  return result.any_conflict ? kExitCheckFailed : kExitOk;
}

}  // namespace tetris::cli
