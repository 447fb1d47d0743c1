// The Tetris planner (heuristic seeds + genetic search over placement orders) for a fixed number
// of generations on a fixed problem: the instruction-level problem of ResNet-50 (batch 1) lowered
// onto 4 cores with p2p sync, whose search does not reach the lower bound early. Multi-piece
// buffers, so no exact phase; the time limit is out of reach, so every iteration does the same
// work whatever the machine's load. Lowering and analysis happen once, outside the timed loop.
#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include "common/machine_config.h"
#include "memmgr/genetic_planner.h"
#include "pipeline/pipeline.h"

namespace {

using namespace tetris;

const memmgr::Problem& resnet50_4core_p2p() {
  static const memmgr::Problem problem = [] {
    const MachineConfig config = load_machine_config("cambricon-x-4core");
    workloads::LoweringOptions lowering;
    lowering.sync = workloads::SyncMode::p2p;
    const Program program = pipeline::lower({.model = "resnet50", .batch = 1}, config, lowering).program;
    pipeline::AnalysisOptions analysis;
    analysis.alignment = config.memory.alignment_bytes;
    return pipeline::analyse_at(pipeline::Level::instruction, program, analysis, "resnet50");
  }();
  return problem;
}

void BM_TetrisPlanner(benchmark::State& state) {
  const memmgr::Problem& problem = resnet50_4core_p2p();
  memmgr::PlannerOptions options;
  options.seed = 1;
  options.max_generations = static_cast<std::uint64_t>(state.range(0));
  options.time_limit_seconds = 1e6;
  memmgr::PlanResult result;
  for (auto _ : state) result = memmgr::plan_tetris(problem, options);
  state.counters["buffers"] = static_cast<double>(problem.buffers().size());
  state.counters["pieces"] = static_cast<double>(problem.pieces().size());
  state.counters["generations"] = static_cast<double>(result.generations);
  state.counters["peak_over_bound"] = static_cast<double>(result.peak) / static_cast<double>(problem.lower_bound());
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(result.generations));  // generations/s
}
// Two search threads (the default): wall time is what a user waits for.
BENCHMARK(BM_TetrisPlanner)->Arg(0)->Arg(50)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
