#include "pipeline/pipeline.h"

#include <filesystem>
#include <map>
#include <stdexcept>

#include <algorithm>
#include <bit>
#include <iterator>

#include <fmt/format.h>

#include "common/file_io.h"
#include "common/text.h"
#include "common/checked_math.h"
#include "common/input_error.h"
#include "common/memory_budget.h"
#include "common/trace_io.h"
#include "memmgr/happens_before.h"
#include "memmgr/instruction_liveness.h"
#include "memmgr/minimalloc_csv.h"
#include "memmgr/plan_io.h"
#include "memmgr/plan_svg.h"
#include "memmgr/problem_io.h"
#include "memmgr/tensor_liveness.h"
#include "memmgr/topology_liveness.h"
#include "pipeline/bus_chart.h"
#include "pipeline/run_folder.h"
#include "sim/address_grid.h"
#include "workloads/blocks.h"
#include "sim/address_map.h"
#include "sim/sim_report.h"
#include "sim/simulator.h"
#include "workloads/lowering.h"
#include "workloads/model_loader.h"

namespace tetris::pipeline {
namespace {

// What is live at the instruction-level bound: its witness (the worst consistent cut), or else
// the pieces live when an interleaving holds the most bytes. A buffer is a tensor or one of its
// blocks (NAME#K): blocks are summed under their tensor's name. Largest first, then by name.
std::vector<PeakTensor> peak_tensors(const memmgr::Problem& problem) {
  std::vector<memmgr::PieceId> live(problem.lower_bound_witness().begin(), problem.lower_bound_witness().end());
  if (live.empty()) live = memmgr::pieces_at_max_live(problem.pieces());
  std::map<std::string, std::uint64_t, std::less<>> bytes;
  for (const memmgr::PieceId id : live) {
    const memmgr::Piece& piece = problem.pieces()[id];
    const std::string& name = problem.buffers()[piece.buffer].name;
    bytes[name.substr(0, name.rfind('#'))] += piece.size;
  }
  std::vector<PeakTensor> out;
  for (const auto& [name, b] : bytes) out.push_back({name, b});
  std::stable_sort(out.begin(), out.end(), [](const PeakTensor& a, const PeakTensor& b) { return a.bytes > b.bytes; });
  return out;
}

memmgr::InstructionLivenessOptions instruction_options(const AnalysisOptions& options) {
  return {.alignment = options.alignment,
          .max_pieces_per_tensor = options.max_pieces_per_tensor,
          .max_memory_bytes = options.max_memory_bytes};
}

// Colour pieces by the layer that produced their tensor (so a tensor's blocks, "NAME#K", share
// its colour).
std::vector<std::uint32_t> producer_groups(const Program& program, const memmgr::Problem& problem) {
  std::map<std::string_view, std::uint32_t> by_name;
  for (const Tensor& t : program.tensors) by_name[t.name] = t.producer.value_or(0);
  std::vector<std::uint32_t> groups;
  for (const auto& buffer : problem.buffers()) {
    const std::string_view name = buffer.name;
    groups.push_back(by_name[name.substr(0, name.find('#'))]);
  }
  return groups;
}

// Before any work: a bad --alignment would otherwise surface deep in the problem builder.
void check(const AnalysisOptions& options) {
  if (options.alignment == 0 || !std::has_single_bit(options.alignment) || options.alignment > memmgr::kMaxAlignment)
    throw InputError({"--alignment"}, fmt::format("must be a power of two from 1 to 2^40, got {}", options.alignment));
}

// What a reader needs to reproduce a run or tell two rows of a sweep apart.
std::vector<std::pair<std::string, std::string>> provenance(const MachineConfig& config, const JobOptions& options,
                                                             const workloads::Model& model) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!options.command_line.empty()) out.emplace_back("command", options.command_line);
  if (!options.tool_version.empty()) out.emplace_back("tetris_version", options.tool_version);
  if (!options.date.empty()) out.emplace_back("date", options.date);
  out.emplace_back("model_source", model.source.empty() ? model.name : model.source);
  out.emplace_back("batch", fmt::to_string(options.model.batch));
  if (options.model.sequence != 0) out.emplace_back("seq", fmt::to_string(options.model.sequence));
  if (options.model.weight_density != 1) out.emplace_back("weight_density", fmt::to_string(options.model.weight_density));
  out.emplace_back("config_source", config.source);
  for (const ConfigField& field : config_fields()) {
    if (field.path == "cores") continue;  // a column of its own
    const bool overridden = std::any_of(config.overridden.begin(), config.overridden.end(),
                                        [&](const auto& o) { return o.path == field.path; });
    // The dram section says nothing about a run on the ideal bus.
    if (field.dram && !config.dram_memory()) continue;
    out.emplace_back(std::string(field.path), fmt::format("{}{}", field.text(config), overridden ? " (set by -p)" : ""));
  }
  out.emplace_back("partition", std::string(workloads::to_string(options.lowering.partition)));
  out.emplace_back("fusion", workloads::fusion_label(options.lowering));
  out.emplace_back("schedule", std::string(workloads::to_string(options.lowering.schedule)));
  out.emplace_back("blocks", std::string(workloads::to_string(options.lowering.blocks)));
  out.emplace_back("max_pieces_per_tensor", fmt::to_string(options.analysis.max_pieces_per_tensor));
  out.emplace_back("seed", fmt::to_string(options.search.seed));
  out.emplace_back("max_generations", fmt::to_string(options.search.max_generations));
  out.emplace_back("max_work", fmt::to_string(options.search.max_work));
  out.emplace_back("time_limit_seconds", fmt::format("{:g}", options.search.time_limit_seconds));
  out.emplace_back("threads", fmt::to_string(options.search.threads));
  return out;
}

void tell(const StatusFn& status, const std::string& text) {
  if (status) status(text);
}

// The cascade slowdown allowances `--schedule auto` and `--memory-budget` try, from none to any.
constexpr double kCascadeAllowances[] = {0.0, 0.05, 0.1, 0.25, 0.5, 1.0, 1e6};

workloads::LoweringOptions with_schedule(workloads::LoweringOptions options, workloads::Schedule schedule,
                                         double allowance = 0) {
  options.schedule = schedule;
  if (schedule == workloads::Schedule::cascade) options.cascade_slowdown = allowance;
  return options;
}

// Rings shrink the tensors they replace, so two lowerings of one model with equal tensor bytes
// cascade the same chains (a cascade that cascades nothing equals the layer schedule).
std::uint64_t tensor_bytes(const Program& program) {
  std::uint64_t total = 0;
  for (const Tensor& t : program.tensors) total += t.bytes;
  return total;
}

// The program's cycles with exact timing and `plan` (the naive plan when none).
std::uint64_t cycles_with(const Program& program, const MachineConfig& config, const std::optional<PlanFile>& plan,
                          std::string_view label) {
  // Names the candidate in any error: "auto: tetris-instruction plan".
  const std::string plan_label = fmt::format("{}: {} plan", label, plan ? "tetris-instruction" : "naive");
  if (has_blocks(program)) return simulate(blocks_as_tensors(program), config, plan, label, plan_label).runs.front().cycles;
  return simulate(program, config, plan, label, plan_label).runs.front().cycles;
}

// A candidate program's instruction-level problem and its Tetris plan, made as a run makes them
// (ScheduleTiming), without progress: one of several candidates, the caller says which.
struct CandidatePlan {
  memmgr::Problem problem;
  memmgr::PlanResult plan;
};
CandidatePlan plan_candidate(const Program& program, const MachineConfig& config, const ScheduleTiming& timing,
                             std::string_view label) {
  AnalysisOptions analysis = timing.analysis;
  analysis.alignment = config.memory.alignment_bytes;
  memmgr::Problem problem = analyse_at(Level::instruction, program, analysis, label);
  memmgr::PlannerOptions search = timing.search;
  search.on_progress = nullptr;
  memmgr::PlanResult plan = memmgr::find_planner("tetris")->plan(problem, search);
  return {std::move(problem), std::move(plan)};
}

// A schedule's Tetris plan (plan_candidate) and the cycles of the program simulated with it.
struct PlannedSchedule {
  memmgr::PlanResult plan;
  std::uint64_t cycles;
};
PlannedSchedule plan_and_simulate(const Program& program, const MachineConfig& config, const ScheduleTiming& timing,
                                  std::string_view label) {
  CandidatePlan candidate = plan_candidate(program, config, timing, label);
  const std::uint64_t cycles = cycles_with(
      program, config, memmgr::make_plan_file(candidate.problem, candidate.plan, timing.search.seed), label);
  return {std::move(candidate.plan), cycles};
}

}  // namespace

std::uint64_t planned_cycles(const Program& program, const MachineConfig& config, const ScheduleTiming& timing,
                             std::string_view label) {
  return plan_and_simulate(program, config, timing, label).cycles;
}

BlockChoice resolve_blocks(const ModelChoice& choice, const MachineConfig& config,
                           const workloads::LoweringOptions& options, const ScheduleTiming& timing) {
  if (options.blocks != workloads::BlockMode::automatic)
    return {options.blocks, std::string(workloads::to_string(options.blocks))};
  const workloads::Model one = workloads::load_model(
      choice.model, {1, config.core.element_bytes, choice.sequence, choice.weight_density});
  workloads::LoweringOptions candidate = options;
  if (candidate.schedule == workloads::Schedule::automatic) candidate.schedule = workloads::Schedule::layer;
  const auto planned = [&](workloads::BlockMode mode) {
    candidate.blocks = mode;
    return plan_candidate(workloads::lower(one, config, candidate), config, timing, "--blocks auto").plan;
  };
  memmgr::PlanResult band = planned(workloads::BlockMode::band);
  memmgr::PlanResult mixed = planned(workloads::BlockMode::mixed);
  const bool take_mixed = mixed.peak < band.peak &&
                          static_cast<double>(mixed.peak) <= (1 - kMixedBlocksGain) * static_cast<double>(band.peak);
  // A search the time limit cut ended where the machine's speed left it: the choice says so.
  std::string label = fmt::format("auto: {} (Tetris plan of one sample: {} B in bands, {} B mixed{})",
                                  take_mixed ? "mixed" : "band", band.peak, mixed.peak,
                                  band.time_limited || mixed.time_limited ? "; a search cut by its time limit" : "");
  return {take_mixed ? workloads::BlockMode::mixed : workloads::BlockMode::band, std::move(label),
          std::move(take_mixed ? mixed : band)};
}

namespace {

Lowered lower_resolved(const ModelChoice& choice, const MachineConfig& config,
                       const workloads::LoweringOptions& options, const ScheduleTiming& timing) {
  if (choice.batch > 1) {
    // Instructions grow with the batch: one sample's count tells, in a fraction of a second,
    // whether the batch would pass the trace limit, before gigabytes are spent finding out.
    const Program one = workloads::lower(workloads::load_model(choice.model, {1, config.core.element_bytes, choice.sequence, choice.weight_density}), config,
                                         options);
    std::uint64_t per_sample = 0;
    for (const auto& stream : one.streams) per_sample += stream.size();
    const std::uint64_t expected = per_sample * choice.batch;  // batch <= 2^20, per sample < 2^24: no wrap
    if (per_sample > workloads::kMaxTraceInstructions / choice.batch)
      throw InputError({"--batch"},
                       fmt::format("{} at batch {} on {} cores makes about {} instructions ({} per sample), more than "
                                   "the {} (2^24, about 1.5 GB) a trace may have: at most batch {} here",
                                   choice.model, choice.batch, config.cores, expected, per_sample,
                                   workloads::kMaxTraceInstructions, workloads::kMaxTraceInstructions / per_sample));
  }
  workloads::Model model =
      workloads::load_model(choice.model,
                            {choice.batch, config.core.element_bytes, choice.sequence, choice.weight_density});
  if (options.schedule != workloads::Schedule::automatic) {
    Program program = workloads::lower(model, config, options);
    return {std::move(model), std::move(program), options, std::string(workloads::to_string(options.schedule))};
  }
  const workloads::LoweringOptions layer = with_schedule(options, workloads::Schedule::layer);
  Program chosen = workloads::lower(model, config, layer);
  PlannedSchedule layered = plan_and_simulate(chosen, config, timing, "auto");
  const double budget = (1 + options.cascade_slowdown) * static_cast<double>(layered.cycles);
  for (auto it = std::rbegin(kCascadeAllowances); it != std::rend(kCascadeAllowances); ++it) {
    const workloads::LoweringOptions cascade = with_schedule(options, workloads::Schedule::cascade, *it);
    Program program = workloads::lower(model, config, cascade);
    if (tensor_bytes(program) == tensor_bytes(chosen)) break;  // no chain cascades at this allowance
    PlannedSchedule planned = plan_and_simulate(program, config, timing, "auto");
    if (static_cast<double>(planned.cycles) <= budget)
      return {std::move(model), std::move(program), cascade, fmt::format("auto: cascade (allowance {})", *it),
              std::move(planned.plan)};
  }
  return {std::move(model), std::move(chosen), layer, "auto: layer", std::move(layered.plan)};
}

}  // namespace

Lowered lower(const ModelChoice& choice, const MachineConfig& config, const workloads::LoweringOptions& options,
              const ScheduleTiming& timing) {
  BlockChoice blocks = resolve_blocks(choice, config, options, timing);
  workloads::LoweringOptions resolved = options;
  resolved.blocks = blocks.mode;
  Lowered lowered = lower_resolved(choice, config, resolved, timing);
  lowered.blocks = std::move(blocks.label);
  // At batch 1 under a fixed schedule the block choice planned this very program.
  if (!lowered.tetris_plan && blocks.plan && choice.batch == 1 && options.schedule != workloads::Schedule::automatic)
    lowered.tetris_plan = std::move(blocks.plan);
  return lowered;
}

std::string_view to_string(Level level) {
  return level == Level::topology ? "topology" : level == Level::tensor ? "tensor" : "instruction";
}

std::optional<Level> parse_level(std::string_view text) {
  if (text == "topology") return Level::topology;
  if (text == "instruction") return Level::instruction;
  if (text == "tensor") return Level::tensor;
  return std::nullopt;
}

Liveness analyse(const Program& program, const AnalysisOptions& options, std::string_view origin) {
  check(options);
  memmgr::Problem topology = memmgr::topology_liveness(program, options.alignment, origin);
  const memmgr::HappensBefore hb = memmgr::HappensBefore::analyze(program, origin);
  memmgr::Problem instruction = memmgr::instruction_liveness(program, hb, instruction_options(options), origin);
  memmgr::Problem tensor = memmgr::tensor_liveness(program, hb, options.alignment, origin);
  return {std::move(topology), std::move(instruction), std::move(tensor), hb.total_instructions(), hb.epoch_count()};
}

memmgr::Problem analyse_at(Level level, const Program& program, const AnalysisOptions& options,
                           std::string_view origin) {
  check(options);
  if (level == Level::topology) return memmgr::topology_liveness(program, options.alignment, origin);
  const memmgr::HappensBefore hb = memmgr::HappensBefore::analyze(program, origin);
  if (level == Level::tensor) return memmgr::tensor_liveness(program, hb, options.alignment, origin);
  return memmgr::instruction_liveness(program, hb, instruction_options(options), origin);
}

void check_trace_fits(const std::string& path, const AnalysisOptions& options) {
  // Reading holds the text and then the program, about three times the text's size (ResNet-50 /
  // 16 cores / p2p at batch 64: 103 MB of text, 395 MB at the peak of reading): a trace that the
  // budget cannot hold is refused before it is read, as the analysis would be.
  std::error_code error;
  const std::uintmax_t text_bytes = std::filesystem::file_size(path, error);
  const MemoryBudget budget = memory_budget(options.max_memory_bytes);
  std::optional<std::uint64_t> held = checked_mul(text_bytes, 4);
  if (held) held = checked_add(*held, kProcessMemoryBytes);
  if (!error && (!held || *held >= budget.bytes))
    throw InputError({path}, fmt::format("reading this {}-byte trace would hold about {}, more than {}: lower it with a "
                                         "smaller batch or fewer cores, or give it more memory",
                                         text_bytes, held ? describe_bytes(*held) : "too much", budget.named));
}

memmgr::Problem load_problem(const std::string& path, Level level, const AnalysisOptions& options) {
  if (path.ends_with(".csv")) return memmgr::read_minimalloc_csv_file(path);
  if (path.ends_with(".yaml") || path.ends_with(".json")) return memmgr::read_problem_file(path);
  check(options);
  check_trace_fits(path, options);
  return analyse_at(level, read_trace_file(path), options, path);
}

std::string Plan::name() const { return fmt::format("{}-{}", planner, to_string(level)); }

namespace {

// A plan already made for `problem`, validated and given its file as plan() does.
Plan planned(const memmgr::Problem& problem, Level level, const memmgr::PlannerInfo& planner, memmgr::PlanResult result,
             std::uint64_t seed) {
  Plan made{std::string(planner.name), level, std::move(result), {}, std::nullopt};
  made.violation = memmgr::validate_plan(problem, made.result.offsets);
  made.file = memmgr::make_plan_file(problem, made.result, seed);
  return made;
}

}  // namespace

Plan plan(const memmgr::Problem& problem, Level level, const memmgr::PlannerInfo& planner,
          const memmgr::PlannerOptions& options) {
  return planned(problem, level, planner, planner.plan(problem, options), options.seed);
}

std::vector<Plan> plan_all(const Liveness& liveness, const memmgr::PlannerOptions& options, const StatusFn& status,
                           const memmgr::PlanResult* tetris_instruction) {
  std::vector<Plan> plans;
  for (const memmgr::PlannerInfo& planner : memmgr::planners()) {
    std::vector<Level> levels = {Level::topology};
    if (planner.name == "tetris") levels.insert(levels.begin(), Level::instruction);
    // The reference every report compares with: TF's allocator as a runtime would run it, safe
    // under the trace's sync (layer order is not, under p2p).
    if (planner.name == "tf-bfc") levels.push_back(Level::tensor);
    for (const Level level : levels) {
      tell(status, fmt::format("planning with {} ({} level)", planner.name, to_string(level)));
      const memmgr::Problem& problem = liveness.at(level);
      Plan made = tetris_instruction && planner.name == "tetris" && level == Level::instruction
                      ? planned(problem, level, planner, *tetris_instruction, options.seed)
                      : plan(problem, level, planner, options);
      // These problems have no capacity, so any violation is the planner's fault.
      if (made.violation)
        throw std::logic_error(fmt::format("planner {} made an invalid plan: {}", planner.name,
                                           made.violation->describe(problem)));
      plans.push_back(std::move(made));
    }
  }
  return plans;
}

sim::SimReport simulate(const Program& program, const MachineConfig& config, const std::optional<PlanFile>& plan,
                        std::string_view trace_label, std::string_view plan_label, const SimulationOptions& options,
                        const StatusFn& status) {
  if (options.runs == 0 || options.runs > kMaxSimulationRuns)
    throw InputError({"--runs"}, fmt::format("must be 1 to {}, got {}", kMaxSimulationRuns, options.runs));
  const std::uint64_t rows = sim::access_rows(program);
  if (rows > sim::kMaxAccessRows)
    throw InputError({std::string(trace_label)},
                     fmt::format("its loads and stores cover {} rows, more than the {} (2^27, about 4 GiB) the "
                                 "simulator's checker follows one by one: simulate a smaller batch or fewer cores",
                                 rows, sim::kMaxAccessRows));
  // What the run holds beside the program: the checker's rows, each core's instruction records
  // (a cache line per transfer) and, with a timeline, an event per instruction.
  std::uint64_t instructions = 0;
  for (const auto& stream : program.streams) instructions += stream.size();
  const std::uint64_t needed = kProcessMemoryBytes + rows * sim::kCheckerBytesPerRow +
                               instructions * (64 + (options.timeline ? sizeof(sim::TimelineEvent) : 0));
  if (const MemoryBudget budget = memory_budget(options.max_memory_bytes); needed > budget.bytes)
    throw InputError({std::string(trace_label)},
                     fmt::format("simulating it would hold about {} (its loads and stores cover {} rows, which the "
                                 "checker follows one by one), more than {}: simulate a smaller batch or fewer cores, "
                                 "or give it more memory",
                                 describe_bytes(needed), rows, budget.named));
  const sim::AddressMap addresses = plan ? sim::AddressMap::from_plan(program, config, *plan, plan_label)
                                         : sim::AddressMap::naive(program, config, trace_label);
  const sim::Simulator simulator(program, config, addresses);
  sim::SimReport report{std::string(trace_label), addresses.source(), config.name, {}};
  for (std::uint64_t run = 0; run < options.runs; ++run) {
    const sim::Jitter timing = options.jitter_seed ? sim::Jitter(*options.jitter_seed + run)
                               : run == 0          ? sim::Jitter()
                                                   : sim::Jitter(run);
    tell(status, fmt::format("simulating run {}/{} ({})", run + 1, options.runs,
                             timing.enabled() ? fmt::format("jitter seed {}", *timing.seed()) : "exact timing"));
    report.runs.push_back(simulator.run(timing, options.timeline && run == 0));
  }
  return report;
}

ScheduleChoice choose_schedule(const MachineConfig& config, const JobOptions& options, std::uint64_t budget,
                               const StatusFn& status) {
  std::vector<workloads::LoweringOptions> candidates{with_schedule(options.lowering, workloads::Schedule::layer)};
  for (const double allowance : kCascadeAllowances)
    candidates.push_back(with_schedule(options.lowering, workloads::Schedule::cascade, allowance));
  const ScheduleTiming timing{options.analysis, options.search};
  struct Tried {
    std::size_t candidate;
    std::uint64_t peak, cycles;
    memmgr::PlanResult plan;
  };
  std::vector<Tried> tried;
  std::vector<std::uint64_t> seen;  // tensor bytes of the programs tried: equal programs are skipped
  const auto label = [](const workloads::LoweringOptions& o) {
    return o.schedule == workloads::Schedule::layer ? std::string("layer")
                                                    : fmt::format("cascade (allowance {})", o.cascade_slowdown);
  };
  // The model is loaded (and the batch checked) once, by the first lowering, which also resolves
  // `--blocks auto` for all of them.
  Lowered first = lower(options.model, config, candidates[0], timing);
  for (workloads::LoweringOptions& candidate : candidates) candidate.blocks = first.options.blocks;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    tell(status, fmt::format("memory budget: trying schedule {}", label(candidates[i])));
    const Program program = i == 0 ? std::move(first.program) : workloads::lower(first.model, config, candidates[i]);
    const std::uint64_t bytes = tensor_bytes(program);
    if (std::find(seen.begin(), seen.end(), bytes) != seen.end()) continue;
    seen.push_back(bytes);
    PlannedSchedule planned = plan_and_simulate(program, config, timing, "memory budget");
    tried.push_back({i, planned.plan.peak, planned.cycles, std::move(planned.plan)});
  }
  Tried* best = nullptr;
  for (Tried& t : tried)
    if (t.peak <= budget && (!best || t.cycles < best->cycles)) best = &t;
  if (!best) {
    const Tried& smallest = *std::min_element(tried.begin(), tried.end(), [](const Tried& a, const Tried& b) {
      return a.peak < b.peak;
    });
    throw InputError({"--memory-budget"},
                     fmt::format("no schedule fits {} bytes: the smallest Tetris plan, with schedule {}, takes {} "
                                 "bytes ({} over)",
                                 budget, label(candidates[smallest.candidate]), smallest.peak, smallest.peak - budget));
  }
  std::vector<ScheduleTried> report;
  for (const Tried& t : tried)
    report.push_back({label(candidates[t.candidate]), t.peak, t.cycles, t.peak <= budget, &t == best});
  return {candidates[best->candidate],
          fmt::format("{} (memory budget {} bytes: its plan takes {}, {} cycles with that plan; {} schedules "
                      "tried)",
                      label(candidates[best->candidate]), budget, best->peak, best->cycles, tried.size()),
          std::move(report), std::move(best->plan), std::move(first.blocks)};
}

namespace {

Job run_job_with(const MachineConfig& config, const JobOptions& options, std::string_view trace_label,
                 const StatusFn& status, std::optional<memmgr::PlanResult> known_plan);

}  // namespace

Job run_job(const MachineConfig& config, const JobOptions& options, std::string_view trace_label,
            const StatusFn& status) {
  if (options.memory_budget) {
    JobOptions chosen = options;
    chosen.memory_budget.reset();
    ScheduleChoice choice = choose_schedule(config, options, *options.memory_budget, status);
    chosen.lowering = choice.options;
    Job job = run_job_with(config, chosen, trace_label, status, std::move(choice.plan));
    for (auto& [key, value] : job.report.provenance) {
      if (key == "schedule") value = choice.why;
      if (key == "blocks") value = choice.blocks;
    }
    job.report.schedules = std::move(choice.tried);
    job.report.memory_budget = *options.memory_budget;
    return job;
  }
  return run_job_with(config, options, trace_label, status, std::nullopt);
}

namespace {

// `known_plan`: the Tetris plan the schedule choice made of this very program with these options.
Job run_job_with(const MachineConfig& config, const JobOptions& options, std::string_view trace_label,
                 const StatusFn& status, std::optional<memmgr::PlanResult> known_plan) {
  tell(status, fmt::format("lowering {} onto {} cores", options.model.model, config.cores));
  if (options.lowering.blocks == workloads::BlockMode::automatic)
    tell(status, "choosing the blocks: planning bands and mixed blocks of one sample");
  if (options.lowering.schedule == workloads::Schedule::automatic)
    tell(status, "choosing the schedule: planning and simulating each candidate");
  Lowered lowered = lower(options.model, config, options.lowering, {options.analysis, options.search});
  if (!lowered.tetris_plan) lowered.tetris_plan = std::move(known_plan);
  const Program& program = lowered.program;

  tell(status, "analysing liveness");
  AnalysisOptions analysis = options.analysis;
  analysis.alignment = config.memory.alignment_bytes;
  Liveness liveness = analyse(program, analysis, trace_label);

  RunReport report{.model = lowered.model.name, .config = config.name,
                   .sync = std::string(workloads::to_string(options.lowering.sync)),
                   .partition = std::string(workloads::to_string(options.lowering.partition)),
                   .cores = config.cores, .instructions = liveness.instructions,
                   .tensors = liveness.topology.buffers().size(), .pieces = liveness.instruction.pieces().size(),
                   .topology_bound = liveness.topology.lower_bound(),
                   .instruction_bound = liveness.instruction.lower_bound(), .peak_tensors = {},
                   .seed = options.search.seed,
                   .arena_bytes = 0, .rows = {},
                   .provenance = provenance(config, options, lowered.model), .bus_svg = {}, .schedules = {}, .memory_budget = 0};
  for (auto& [key, value] : report.provenance) {
    if (key == "schedule") value = lowered.schedule;
    if (key == "blocks") value = lowered.blocks;
  }
  report.peak_tensors = peak_tensors(liveness.instruction);
  // Weights that leave no room for any activation: no plan can fit, so no plan is made.
  const std::optional<std::uint64_t> arena = sim::arena_capacity(program, config);
  if (!arena)
    throw InputError({"memory.capacity_bytes"},
                     fmt::format("{}'s weights alone need {} bytes, more than the {} bytes of memory.capacity_bytes",
                                 lowered.model.name, sim::weight_bytes(program, config), config.memory.capacity_bytes));
  report.arena_bytes = *arena;
  // A schedule choice (auto, or a memory budget) planned this program with these very options
  // while it timed it.
  const memmgr::PlanResult* known = lowered.tetris_plan ? &*lowered.tetris_plan : nullptr;
  std::vector<Plan> plans = plan_all(liveness, options.search, status, known);

  Job job{std::move(lowered), std::move(liveness), {}, {}, {}, false, {}, {}, {}};
  // The simulator places, checks and reports by tensor: a block is a tensor to it.
  std::optional<Program> blocks;
  if (has_blocks(job.lowered.program)) blocks = blocks_as_tensors(job.lowered.program);
  const Program& simulated_program = blocks ? *blocks : job.lowered.program;
  const std::vector<std::uint32_t> groups_at[] = {producer_groups(job.lowered.program, job.liveness.topology),
                                                  producer_groups(job.lowered.program, job.liveness.instruction),
                                                  producer_groups(job.lowered.program, job.liveness.tensor)};
  // One address scale for every plan of the report, so pictures compare as the numbers do.
  memmgr::Offset tallest = 0;
  for (const Plan& made : plans) tallest = std::max(tallest, made.result.peak);
  std::vector<std::string> layer_names;
  for (const Layer& layer : job.lowered.program.layers) layer_names.push_back(layer.name);
  const auto time_unit = [](Level level) {
    return std::string(level == Level::topology ? "layer steps" : "instruction positions, one interleaving");
  };
  for (const Plan& made : plans) {
    const memmgr::Problem& problem = job.liveness.at(made.level);
    const bool tetris_instruction = made.planner == "tetris" && made.level == Level::instruction;
    PlanRow row{made.planner, std::string(to_string(made.level)), made.result.peak, made.result.seconds,
                std::nullopt, false, std::nullopt, std::nullopt, false, {}};
    if (made.planner == "tetris") row.generations = made.result.generations;
    row.time_limited = made.result.time_limited;
    // A plan beyond the machine's memory cannot run: it is reported, neither simulated nor compared.
    if (made.result.peak > *arena) {
      row.over_arena = made.result.peak - *arena;
      row.svg = memmgr::plan_to_svg(problem, made.result.offsets,
                                    {.title = fmt::format("{} ({}): {} — DOES NOT FIT the memory", made.planner,
                                                          to_string(made.level), job.lowered.model.name),
                                     .width = 900, .height = 420, .groups = groups_at[static_cast<std::size_t>(made.level)],
                                     .group_names = {}, .time_unit = time_unit(made.level), .address_top = tallest,
                                     .marked = {}});
      if (tetris_instruction) job.tetris_over_arena = row.over_arena;
      report.rows.push_back(std::move(row));
      continue;
    }
    // Every plan is simulated: a table ranks only plans the checker found safe.
    tell(status, fmt::format("simulating the {} plan", made.name()));
    const sim::SimReport simulated = simulate(simulated_program, config, made.file, trace_label, made.name(),
                                              {.jitter_seed = std::nullopt, .runs = 1, .timeline = tetris_instruction,
                                               .max_memory_bytes = options.analysis.max_memory_bytes});
    const sim::RunResult& run = simulated.runs.front();
    if (tetris_instruction)
      report.bus_svg = bus_busy_svg(run.memory_busy, run.cycles,
                                    fmt::format("memory bus busy, share of cycles ({} slices of the run)", 200));
    row.conflicts = run.conflict_count;  // already counts reads of never-written bytes
    row.deadlock = run.deadlock.has_value();
    row.cycles = run.cycles;
    // The buffers a load found clobbered are outlined in red on the plan's picture.
    std::vector<memmgr::BufferId> clobbered;
    for (const sim::Conflict& conflict : run.conflicts) {
      const std::string_view name = simulated_program.tensors[conflict.tensor].name;
      for (memmgr::BufferId b = 0; b < problem.buffers().size(); ++b)
        if (problem.buffers()[b].name == name) clobbered.push_back(b);
    }
    std::sort(clobbered.begin(), clobbered.end());
    clobbered.erase(std::unique(clobbered.begin(), clobbered.end()), clobbered.end());
    const std::vector<std::uint32_t>& groups = groups_at[static_cast<std::size_t>(made.level)];
    row.svg = memmgr::plan_to_svg(
        problem, made.result.offsets,
        {.title = fmt::format("{} ({}): {}{}", made.planner, to_string(made.level), job.lowered.model.name,
                              clobbered.empty() ? "" : fmt::format(" — UNSAFE: {} buffers read clobbered (red)",
                                                                   clobbered.size())),
         .width = 900, .height = 420, .groups = groups, .group_names = {}, .time_unit = time_unit(made.level),
         .address_top = tallest, .marked = clobbered});
    if (tetris_instruction)
      job.layout_svg = memmgr::plan_to_svg(
          problem, made.result.offsets,
          {.title = fmt::format("Tetris plan of {} on {}", job.lowered.model.name, config.name),
           .width = 1200, .height = 600, .groups = groups, .group_names = layer_names,
           .time_unit = time_unit(made.level), .address_top = 0, .marked = clobbered});
    if (tetris_instruction) job.layers_csv = sim::layers_to_csv(run);
    // The check the run asks for is the Tetris plan's; unsafe baselines are results.
    if (tetris_instruction) job.any_conflict |= !row.safe();
    report.rows.push_back(std::move(row));
  }
  // Every plan's buffers: which bytes each planner gave each tensor (or block), and when it lives
  // (in its level's time: layer steps or instruction positions).
  job.tensors_csv = "planner,liveness,buffer,size_bytes,offset_bytes,first,last\n";
  for (const Plan& made : plans) {
    const memmgr::Problem& problem = job.liveness.at(made.level);
    for (memmgr::BufferId b = 0; b < problem.buffers().size(); ++b) {
      const memmgr::Buffer& buffer = problem.buffers()[b];
      job.tensors_csv += fmt::format("{},{},{},{},{},{},{}\n", made.planner, to_string(made.level),
                                     csv_field(buffer.name), buffer.size, made.result.offsets[b],
                                     buffer.lifespan.lower, buffer.lifespan.upper);
    }
  }
  job.plans = std::move(plans);
  job.report = std::move(report);
  return job;
}

}  // namespace

void write_job_files(const Job& job, const MachineConfig& config, const std::filesystem::path& root) {
  std::filesystem::create_directories(root / "plans");
  write_text_file_atomically((root / "config.yaml").string(), to_yaml(config));
  write_trace_file(job.lowered.program, (root / "trace.trace").string());
  for (const Plan& made : job.plans) {
    PlanFile file = made.file;
    for (const auto& [key, value] : job.report.provenance)
      if (key == "tetris_version") file.tool = "tetris " + value;
    write_text_file_atomically((root / "plans" / (made.name() + ".yaml")).string(), plan_to_yaml(file));
  }
  write_text_file_atomically((root / "layout.svg").string(), job.layout_svg);
  write_text_file_atomically((root / "layers.csv").string(), job.layers_csv);
  write_text_file_atomically((root / "tensors.csv").string(), job.tensors_csv);
  write_text_file_atomically((root / "report.json").string(), job.report.json());
  write_text_file_atomically((root / "report.csv").string(), job.report.csv());
  write_text_file_atomically((root / "report.html").string(), job.report.html());
}

void write_job_folder(const Job& job, const MachineConfig& config, const std::string& dir) {
  publish_run_folder(dir, [&](const std::filesystem::path& root) { write_job_files(job, config, root); });
}

}  // namespace tetris::pipeline
