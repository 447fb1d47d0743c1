// `tetris run`: the job users come for. Lower a model onto the machine, analyse liveness at both
// levels, plan with every planner, simulate the Tetris plan (every plan with --sim-all) with the
// conflict checker, and write the effective config, trace, plans, report and pictures.
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "apps/tetris/cli.h"
#include "apps/tetris/progress_line.h"
#include "apps/tetris/run_report.h"
#include "common/file_io.h"
#include "common/input_error.h"
#include "common/trace_io.h"
#include "memmgr/happens_before.h"
#include "memmgr/instruction_liveness.h"
#include "memmgr/plan_io.h"
#include "memmgr/plan_svg.h"
#include "memmgr/plan_validator.h"
#include "memmgr/topology_liveness.h"
#include "sim/address_map.h"
#include "sim/simulator.h"
#include "workloads/lowering.h"
#include "workloads/model_loader.h"

namespace po = boost::program_options;

namespace tetris::cli {
namespace {

// Colour pieces by the layer that produced their tensor.
std::vector<std::uint32_t> producer_groups(const Program& program, const memmgr::Problem& problem) {
  std::map<std::string_view, std::uint32_t> by_name;
  for (const Tensor& t : program.tensors) by_name[t.name] = t.producer.value_or(0);
  std::vector<std::uint32_t> groups;
  for (const auto& buffer : problem.buffers()) groups.push_back(by_name[buffer.name]);
  return groups;
}

}  // namespace

int run(std::span<const std::string> args) {
  ConfigOptions config_options;
  std::string model_name = "resnet50", out_dir = "out", sync = "barrier", partition = "rows";
  std::uint64_t batch = 1;
  bool no_fuse = false, sim_all = false;
  memmgr::PlannerOptions planner_options;
  OutputOptions output;
  po::options_description options("options");
  config_options.add_to(options);
  options.add_options()
      ("model,m", po::value(&model_name)->default_value(model_name), "zoo name, model YAML or ONNX file")
      ("batch", po::value(&batch)->default_value(batch), "batch size")
      ("sync", po::value(&sync)->default_value(sync), "barrier or p2p")
      ("partition", po::value(&partition)->default_value(partition), "rows or channels")
      ("no-fuse", po::bool_switch(&no_fuse), "keep batch norm, scale and activations as layers")
      ("seed", po::value(&planner_options.seed)->default_value(planner_options.seed), "seed of the Tetris search")
      ("time-limit", po::value(&planner_options.time_limit_seconds)->default_value(planner_options.time_limit_seconds),
       "Tetris search time limit, seconds")
      ("generations", po::value(&planner_options.max_generations)->default_value(2000), "Tetris search generations")
      ("sim-all", po::bool_switch(&sim_all), "simulate every plan, not only the Tetris plan");
  output.add_to(options, "output folder (default: out)");
  if (!parse("run", "[--config FILE|NAME] [--model NAME|FILE] [--out DIR] [--sim-all]", args, options, {}))
    return kExitOk;
  if (!output.out.empty()) out_dir = output.out;
  const auto sync_mode = workloads::parse_sync_mode(sync);
  if (!sync_mode) throw InputError({"--sync"}, fmt::format("unknown sync mode '{}' (barrier or p2p)", sync));
  const auto partition_mode = workloads::parse_partition_mode(partition);
  if (!partition_mode) throw InputError({"--partition"}, fmt::format("unknown partition '{}' (rows or channels)", partition));

  ProgressLine progress(output.quiet);
  const MachineConfig config = config_options.load();
  progress.update(fmt::format("lowering {} onto {} cores", model_name, config.cores));
  const workloads::Model model = workloads::load_model(model_name, {batch, config.core.element_bytes});
  const Program program = workloads::lower(model, config, {!no_fuse, *sync_mode, *partition_mode});

  std::filesystem::create_directories(std::filesystem::path(out_dir) / "plans");
  const std::string trace_path = (std::filesystem::path(out_dir) / "trace.trace").string();
  write_text_file_atomically((std::filesystem::path(out_dir) / "config.yaml").string(), to_yaml(config));
  write_trace_file(program, trace_path);

  progress.update("analysing liveness");
  const std::uint64_t alignment = config.memory.alignment_bytes;
  const memmgr::Problem topology = memmgr::topology_liveness(program, alignment, trace_path);
  const memmgr::HappensBefore hb = memmgr::HappensBefore::analyze(program, trace_path);
  const memmgr::Problem instruction = memmgr::instruction_liveness(program, hb, {alignment, 1024}, trace_path);

  RunReport report{.model = model.name, .config = config.name, .sync = sync, .partition = partition,
                   .cores = config.cores, .instructions = hb.total_instructions(),
                   .tensors = topology.buffers().size(), .pieces = instruction.pieces().size(),
                   .topology_bound = topology.lower_bound, .instruction_bound = instruction.lower_bound,
                   .seed = planner_options.seed, .rows = {}};
  if (progress.enabled())
    planner_options.on_progress = [&](const memmgr::SearchProgress& p) {
      progress.update(fmt::format("planning: generation {}  best {:.2f} MiB  bound {:.2f} MiB", p.generation,
                                  p.best_peak / 1048576.0, p.lower_bound / 1048576.0));
    };

  bool any_conflict = false;
  for (const auto& planner : memmgr::planners()) {
    // The Tetris planner on both levels (to separate what the liveness and the search each give);
    // the baselines on topology-level liveness, as their originals work.
    std::vector<const memmgr::Problem*> problems = {&topology};
    if (planner.name == "tetris") problems.insert(problems.begin(), &instruction);
    for (const memmgr::Problem* problem : problems) {
      const std::string level = problem == &topology ? "topology" : "instruction";
      progress.update(fmt::format("planning with {} ({} level)", planner.name, level));
      const memmgr::PlanResult result = planner.plan(*problem, planner_options);
      if (const auto violation = memmgr::validate_plan(*problem, result.offsets, ~memmgr::Offset{0}))
        throw std::runtime_error(fmt::format("planner {} made an invalid plan: {}", planner.name,
                                             violation->describe(*problem)));
      const memmgr::PlanFile plan_file = memmgr::make_plan_file(*problem, result, planner_options.seed);
      const std::string plan_name = fmt::format("{}-{}", planner.name, level);
      write_text_file_atomically((std::filesystem::path(out_dir) / "plans" / (plan_name + ".yaml")).string(),
                                 memmgr::plan_to_yaml(plan_file));
      PlanRow row{planner.name == "tetris" ? "tetris" : std::string(planner.name), level, result.peak,
                  result.seconds, std::nullopt, std::nullopt, std::nullopt, {}};
      if (planner.name == "tetris") row.generations = result.generations;
      const auto groups = producer_groups(program, *problem);
      row.svg = memmgr::plan_to_svg(*problem, result.offsets,
                                    {.title = fmt::format("{} ({}): {}", planner.name, level, model.name),
                                     .width = 900, .height = 420, .groups = groups});
      if (planner.name == "tetris" && level == "instruction")
        write_text_file_atomically((std::filesystem::path(out_dir) / "layout.svg").string(),
                                   memmgr::plan_to_svg(*problem, result.offsets,
                                                       {.title = fmt::format("Tetris plan of {} on {}", model.name,
                                                                             config.name),
                                                        .width = 1200, .height = 600, .groups = groups}));
      if (sim_all || (planner.name == "tetris" && level == "instruction")) {
        progress.update(fmt::format("simulating the {} plan", planner.name));
        const sim::AddressMap addresses = sim::AddressMap::from_plan(program, config, plan_file, plan_name);
        const sim::RunResult simulated = sim::Simulator(program, config, addresses).run();
        row.conflicts = simulated.conflict_count;  // already counts reads of never-written bytes
        row.cycles = simulated.cycles;
        any_conflict |= *row.conflicts > 0 || simulated.deadlock.has_value();
      }
      report.rows.push_back(std::move(row));
    }
  }
  progress.finish();
  const std::filesystem::path dir(out_dir);
  write_text_file_atomically((dir / "report.json").string(), report.json());
  write_text_file_atomically((dir / "report.csv").string(), report.csv());
  write_text_file_atomically((dir / "report.html").string(), report.html());
  if (!output.quiet) {
    if (output.json) fmt::print("{}", report.json());
    else fmt::print("{}\nwritten to {}/: config.yaml, trace.trace, plans/, report.json, report.csv, layout.svg, report.html\n",
                    report.table(), out_dir);
  }
  return any_conflict ? kExitCheckFailed : kExitOk;
}

}  // namespace tetris::cli
