// The Tetris job as stages, each a function from plain values to plain values:
// model -> lowered program -> liveness -> plans -> simulation -> report. The CLI, benchmarks and scripts call these.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/machine_config.h"
#include "common/plan_file.h"
#include "common/trace.h"
#include "memmgr/plan_validator.h"
#include "memmgr/planner.h"
#include "memmgr/problem.h"
#include "pipeline/options.h"
#include "pipeline/run_report.h"
#include "sim/sim_report.h"
#include "workloads/model.h"

namespace tetris::pipeline {

// What a stage tells whoever shows progress (one short line, e.g. "analysing liveness").
using StatusFn = std::function<void(const std::string&)>;

// ---- lower ----

struct Lowered {
  workloads::Model model;
  Program program;  // passes validate_program
  // The options it was lowered with: `--schedule auto` resolved to the schedule (and cascade
  // slowdown allowance) it chose, which `schedule` says in words for reports.
  workloads::LoweringOptions options{};
  std::string schedule{};
  // `--schedule auto`, or `--blocks auto` at batch 1 under a fixed schedule: the chosen program's
  // Tetris plan on its instruction-level problem, made while choosing with the ScheduleTiming's
  // options; a run with those options uses it rather than planning the same problem again.
  std::optional<memmgr::PlanResult> tetris_plan{};
  // The block mode in words for reports: `--blocks auto` as resolve_blocks chose, else its name.
  std::string blocks{};
};

// How `--schedule auto` and `--memory-budget` time the schedules they compare (and with which
// search `--blocks auto` plans its two candidates): each schedule's
// program simulated with exact timing and the Tetris plan of its instruction-level problem made
// with these options, the plan a run of that schedule executes. On DRAM a plan's addresses
// change the cycles (rows and banks): MobileNet-v1 / 4 cores' layer schedule runs 6.4% faster
// with its Tetris plan than with the naive one, so a cascade within 10% on naive plans was 15.8%
// slower with the plans a run compares.
struct ScheduleTiming {
  AnalysisOptions analysis;
  memmgr::PlannerOptions search;
};

// The cycles a run of `program` reports: simulated with exact timing and its Tetris plan.
std::uint64_t planned_cycles(const Program& program, const MachineConfig& config, const ScheduleTiming& timing,
                             std::string_view label);

// Loads the model (zoo name or file) at the machine's bytes per element and lowers it onto the
// machine's cores. InputError for a bad model or one that does not fit the cores' buffers.
// `--schedule auto`: the layer schedule and cascades with allowances of 1e6, 1, 0.5, 0.25, 0.1,
// 0.05 and 0 (the estimate's slowdown, workloads/cascade.h) are simulated (ScheduleTiming); the
// first cascade within `cascade_slowdown` of the layer schedule's cycles is taken, else the layer
// schedule. `--blocks auto` is resolved first (resolve_blocks).
Lowered lower(const ModelChoice& choice, const MachineConfig& config, const workloads::LoweringOptions& options,
              const ScheduleTiming& timing = {});

// `--blocks auto`: the model at batch 1 (the cuts repeat per sample) lowered with bands and with
// mixed blocks (the layer schedule when the schedule is auto), each planned by Tetris on its
// instruction-level problem with `timing`'s options, and mixed taken when its plan is at least
// kMixedBlocksGain smaller. Tiles cost loads (up to 92% more instructions than whole tensors on
// the zoo, ResNet-18 / 4 cores; docs/lowering.md), so they are taken only where the plan gains. Plans, not live-bytes bounds, decide:
// bands are rigid where mixed tiles are not, so at an equal bound (MobileNet-v2 / 16 cores, 2.46 MB
// both) bands planned 9% above it and mixed 0.2% (docs/lowering.md, "Blocks"). Returns the mode
// chosen, its label for reports, and the chosen mode's plan of one sample.
inline constexpr double kMixedBlocksGain = 0.03;
struct BlockChoice {
  workloads::BlockMode mode;
  std::string label;
  // `--blocks auto` only: the Tetris plan of the chosen mode's program at batch 1, which is the
  // program a batch-1 run of a fixed schedule lowers; such a run takes it rather than plan again.
  std::optional<memmgr::PlanResult> plan{};
};
BlockChoice resolve_blocks(const ModelChoice& choice, const MachineConfig& config,
                           const workloads::LoweringOptions& options, const ScheduleTiming& timing);

// ---- analyse ----

// topology: layer order (the paper's and TF's view, safe under barriers only); instruction: the
// Tetris analysis; tensor: whole tensor blocks freed once all their accesses happen before (a
// runtime allocator's view, safe under any sync: memmgr/tensor_liveness.h).
enum class Level : std::uint8_t { topology, instruction, tensor };
std::string_view to_string(Level level);
std::optional<Level> parse_level(std::string_view text);

struct Liveness {
  memmgr::Problem topology;
  memmgr::Problem instruction;
  memmgr::Problem tensor;
  std::uint64_t instructions = 0;  // in all streams
  std::uint64_t sync_epochs = 0;   // of the happens-before analysis

  const memmgr::Problem& at(Level level) const {
    return level == Level::topology ? topology : level == Level::tensor ? tensor : instruction;
  }
};

// Liveness of `program` at every level; `origin` names it in the problems (a trace path).
Liveness analyse(const Program& program, const AnalysisOptions& options, std::string_view origin);
// One level only (what `tetris plan TRACE` needs).
memmgr::Problem analyse_at(Level level, const Program& program, const AnalysisOptions& options,
                           std::string_view origin);

// Refuses (InputError naming the file and --max-memory) a trace whose reading alone would hold
// more than the analysis's memory budget: the text, then about three times its size as a program.
void check_trace_fits(const std::string& path, const AnalysisOptions& options);

// A problem from a file: a MiniMalloc CSV, a problem (.yaml/.json), or else a trace analysed at
// `level`. InputError naming the file or option on bad input.
memmgr::Problem load_problem(const std::string& path, Level level, const AnalysisOptions& options);

// ---- plan ----

struct Plan {
  std::string planner;
  Level level = Level::topology;  // which liveness it was made on
  memmgr::PlanResult result;
  PlanFile file;
  // What validate_plan found wrong with it (over capacity, or a planner bug); none when safe.
  std::optional<memmgr::PlanViolation> violation;

  std::string name() const;  // "tetris-instruction": the plan's file stem in a run folder
};

// Plans `problem` with `planner` and validates the plan against the problem.
Plan plan(const memmgr::Problem& problem, Level level, const memmgr::PlannerInfo& planner,
          const memmgr::PlannerOptions& options);

// The Tetris planner on both levels (to separate what the liveness and the search each give),
// every baseline on topology-level liveness, as their originals work; in the registry's order.
// A plan that fails validation is a bug in its planner: std::logic_error.
// `tetris_instruction`: that plan, already made with `options` (Lowered::tetris_plan), is taken
// instead of planning the instruction-level problem again.
std::vector<Plan> plan_all(const Liveness& liveness, const memmgr::PlannerOptions& options,
                           const StatusFn& status = {}, const memmgr::PlanResult* tetris_instruction = nullptr);

// ---- simulate ----

// Simulates `program` on the machine with `plan` (the naive plan when none) `options.runs`
// times. A program with blocks is simulated as blocks_as_tensors(program), which the caller
// passes (so the report's tensor ids mean the same as the program it describes). `trace_label` and `plan_label` name the inputs in the report.
sim::SimReport simulate(const Program& program, const MachineConfig& config, const std::optional<PlanFile>& plan,
                        std::string_view trace_label, std::string_view plan_label,
                        const SimulationOptions& options = {}, const StatusFn& status = {});

// ---- the whole job ----

struct Job {
  Lowered lowered;
  Liveness liveness;
  std::vector<Plan> plans;
  RunReport report;
  std::string layout_svg;     // the Tetris instruction-level plan, drawn large
  bool any_conflict = false;  // the Tetris instruction-level plan read clobbered data or deadlocked
  std::string layers_csv{};   // per layer of the Tetris instruction-level plan's simulation
  std::string tensors_csv{};  // per plan, per buffer (tensor or block): size, lifespan, offset
  // Bytes by which the Tetris instruction-level plan overflows the machine's arena, if it does.
  std::optional<std::uint64_t> tetris_over_arena{};
};

// `--memory-budget`: of the layer schedule and the cascades at allowances 0 up to 1e6, each
// lowered, planned by Tetris on its instruction-level problem and simulated with that plan, the
// options of the one with the fewest cycles whose plan fits `budget` bytes,
// with a line saying what was chosen and why. InputError naming --memory-budget when none fits,
// saying by how much the smallest plan misses.
struct ScheduleChoice {
  workloads::LoweringOptions options;
  std::string why;
  std::vector<ScheduleTried> tried;
  // The chosen schedule's Tetris plan of its instruction-level problem, made with the job's
  // analysis and search options: the run of that schedule takes it rather than planning again.
  std::optional<memmgr::PlanResult> plan{};
  // `--blocks auto` as the first lowering resolved it for every candidate (Lowered::blocks).
  std::string blocks{};
};
ScheduleChoice choose_schedule(const MachineConfig& config, const JobOptions& options, std::uint64_t budget,
                               const StatusFn& status = {});

// Lower, analyse, plan with every planner, simulate every plan with the checker, and report
// (unsafe plans marked, never compared). `trace_label` names the trace in the problems and
// plans (the run folder's trace path).
Job run_job(const MachineConfig& config, const JobOptions& options, std::string_view trace_label,
            const StatusFn& status = {});

// Writes the job's files as the run folder `dir` (run_folder.h: it replaces an earlier run folder
// whole): config.yaml, trace.trace, plans/, report.json/csv/html and layout.svg. run_job should
// have been told dir/trace.trace as the trace's label.
void write_job_folder(const Job& job, const MachineConfig& config, const std::string& dir);
// The same files into `folder`, which exists (a sweep's cell inside its staging folder).
void write_job_files(const Job& job, const MachineConfig& config, const std::filesystem::path& folder);

}  // namespace tetris::pipeline
