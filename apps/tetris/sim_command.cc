// `tetris sim TRACE`: simulates a trace on the machine with a plan (or the naive plan), checks
// every load against shadow memory, and reports cycles, stalls, per-layer rooflines and any
// conflict or deadlock. `--jitter SEED --runs N` repeats the run under N perturbed timings.
#include <fmt/format.h>

#include "apps/tetris/cli.h"
#include "apps/tetris/progress_line.h"
#include "common/builtin_configs.h"
#include "common/input_error.h"
#include "common/trace_io.h"
#include "common/plan_file.h"
#include "common/file_io.h"
#include "pipeline/pipeline.h"
#include "sim/address_map.h"
#include "sim/timeline.h"
#include "sim/sim_report.h"

namespace po = boost::program_options;

namespace tetris::cli {

int sim(std::span<const std::string> args) {
  std::string trace_file, plan_file, timeline_file, layers_csv, tensors_csv;
  pipeline::SimulationOptions simulation;
  ConfigOptions config_options;
  OutputOptions output;
  po::options_description options("options");
  options.add_options()
      ("trace", po::value(&trace_file)->required(), "the trace to simulate")
      ("plan", po::value(&plan_file),
       "the plan (YAML or JSON from tetris plan); without it, the naive plan (tensors stacked in id order)")
      ("jitter", po::value<std::uint64_t>()->notifier([&](std::uint64_t seed) { simulation.jitter_seed = seed; }),
       "perturb every memory latency and compute time by up to +100%, seeded with this number")
      ("runs", po::value(&simulation.runs)->default_value(simulation.runs),
       "simulate this many times: with --jitter, seeds SEED, SEED+1, ...; without, exact timing first, then seeds "
       "1, 2, ...");
  options.add_options()
      ("timeline", po::value(&timeline_file)->notifier([](const std::string& p) { check_output_file(p, "--timeline"); }),
       "write the first run's timeline here as Chrome/Perfetto trace-event JSON (one track per core unit: load, "
       "compute, store, sync waits), for ui.perfetto.dev or chrome://tracing")
      ("layers-csv", po::value(&layers_csv)->notifier([](const std::string& p) { check_output_file(p, "--layers-csv"); }),
       "write the first run's per-layer statistics (cycles, roofline, bytes, ...) here as CSV")
      ("tensors-csv", po::value(&tensors_csv)->notifier([](const std::string& p) { check_output_file(p, "--tensors-csv"); }),
       "write every tensor (or block) with its kind, size and the address range the run gave it here as CSV");
  config_options.add_to(options, "the built-in config with the trace's core count (1, 4 or 16), else "
                                  "cambricon-x-4core");
  output.add_to(options, "write the report (a table, or JSON with --json) to this file");
  add_memory_option(options, simulation.max_memory_bytes);
  po::positional_options_description positional;
  positional.add("trace", 1);
  if (!parse("sim", "TRACE [--plan PLAN] [--config FILE|NAME] [-p KEY=VALUE] [--jitter SEED] [--runs N] [--json] "
             "[--out FILE] [--max-memory SIZE]",
             args, options, positional))
    return kExitOk;

  pipeline::check_trace_fits(trace_file, {.max_memory_bytes = simulation.max_memory_bytes});
  Program program = read_trace_file(trace_file);
  // Without --config, the machine the trace was lowered for, when it is a built-in one.
  const std::string matching = fmt::format("cambricon-x-{}core", program.cores);
  const MachineConfig config =
      config_options.load(builtin_config_text(matching) ? std::string_view(matching) : kDefaultConfigName);
  // The simulator places, checks and reports by tensor: a block is a tensor to it, named NAME#K.
  if (has_blocks(program)) program = blocks_as_tensors(program);
  std::optional<PlanFile> plan;
  if (!plan_file.empty()) plan = read_plan_file(plan_file);
  simulation.timeline = !timeline_file.empty();
  ProgressLine progress(output.quiet);
  const sim::SimReport report =
      pipeline::simulate(program, config, plan, trace_file, plan_file, simulation, progress.status());
  progress.finish();

  if (!layers_csv.empty()) write_text_file_atomically(layers_csv, sim::layers_to_csv(report.runs.front()));
  if (!tensors_csv.empty()) {
    const sim::AddressMap addresses = plan ? sim::AddressMap::from_plan(program, config, *plan, plan_file)
                                           : sim::AddressMap::naive(program, config, trace_file);
    write_text_file_atomically(tensors_csv, sim::tensors_to_csv(program, addresses));
  }
  if (!timeline_file.empty())
    write_text_file_atomically(timeline_file, sim::timeline_to_trace_events(report.runs.front(), program));
  output.emit(output.json ? sim::report_to_json(report, program) : sim::report_to_table(report, program));
  if (!sim::report_failed(report)) return kExitOk;
  if (output.quiet || !output.out.empty()) {
    std::uint64_t conflicts = 0, deadlocks = 0;
    for (const sim::RunResult& r : report.runs) conflicts += r.conflict_count, deadlocks += r.deadlock.has_value();
    fmt::print(stderr, "tetris sim: {}: {} conflict{} and {} deadlocked run{} over {} run{}\n", trace_file, conflicts,
               conflicts == 1 ? "" : "s", deadlocks, deadlocks == 1 ? "" : "s", report.runs.size(), report.runs.size() == 1 ? "" : "s");
  }
  return kExitCheckFailed;
}

}  // namespace tetris::cli
