// Hot paths of memmgr: the placement decoder (on MiniMalloc F, and on synthetic interval problems of
// 10^3 to 10^5 buffers), one genetic generation's worth of decodes,
// instruction-level liveness (happens-before + pieces + conflicts) of a large 16-core trace, and
// the whole Tetris planner, defaults and all, on synthetic interval problems of 10^4 and 10^5
// buffers (synthetic_problem.h; target: 10^5 buffers planned in under 5 s).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <numeric>
#include <random>

#include "common/trace_io.h"
#include "memmgr/happens_before.h"
#include "memmgr/instruction_liveness.h"
#include "memmgr/genetic_planner.h"
#include "memmgr/minimalloc_csv.h"
#include "memmgr/placement_decoder.h"
#include "memmgr/topology_liveness.h"
#include "synthetic_problem.h"
#include "synthetic_trace.h"

namespace {

using namespace tetris::memmgr;

const Problem& challenging_f() {
  static const Problem problem = [] {
    const std::string path = std::string(TETRIS_SHARED_DIR) + "/benchmarks/minimalloc-challenging/F.1048576.csv";
    if (std::filesystem::exists(path)) return read_minimalloc_csv_file(path);
    ProblemBuilder builder;  // without ../shared: a random interval problem of the same size
    std::mt19937_64 rng(1);
    for (int i = 0; i < 296; ++i) {
      const auto lower = rng() % 1000;
      const Offset size = 1 + rng() % 65536;
      builder.add_piece(builder.add_buffer(std::to_string(i), size), 0, size, {lower, lower + 1 + rng() % 200});
    }
    builder.add_lifespan_conflicts();
    return builder.build("random");
  }();
  return problem;
}

void BM_DecodeFullOrder(benchmark::State& state) {
  const Problem& problem = challenging_f();
  std::vector<BufferId> order(problem.buffers().size());
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(2));
  std::vector<Offset> offsets(order.size());
  PlacementDecoder decoder(problem);
  for (auto _ : state) benchmark::DoNotOptimize(decoder.decode(order, offsets));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(order.size()));
}
BENCHMARK(BM_DecodeFullOrder)->Unit(benchmark::kMicrosecond);

// One decode of the synthetic interval problem at 10^3..10^5 buffers, in creation order (second
// argument 0) and shuffled (1). About 60 buffers are alive at each step whatever the size, so a
// placement's work (the placed buffers it conflicts with) stays about the same while the buffers
// already placed grow 100-fold: buffers/s shows what each placement costs as the problem grows.
void BM_DecodeSyntheticIntervalProblem(benchmark::State& state) {
  const Problem problem = tetris::bench::synthetic_interval_problem(static_cast<std::size_t>(state.range(0)), 1);
  std::vector<BufferId> order(problem.buffers().size());
  std::iota(order.begin(), order.end(), 0);
  if (state.range(1)) std::shuffle(order.begin(), order.end(), std::mt19937_64(2));
  std::vector<Offset> offsets(order.size());
  PlacementDecoder decoder(problem);
  for (auto _ : state) benchmark::DoNotOptimize(decoder.decode(order, offsets));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(order.size()));
  state.counters["conflicts_per_buffer"] =
      static_cast<double>(problem.conflict_count()) / static_cast<double>(order.size());
}
BENCHMARK(BM_DecodeSyntheticIntervalProblem)->ArgsProduct({{1000, 10000, 100000}, {0, 1}})->Unit(benchmark::kMillisecond);

const tetris::Program& synthetic_program() {
  static const tetris::Program program = tetris::read_trace(tetris::bench::synthetic_trace({.layers = 50, .tiles_per_core = 64, .cores = 16}), "synthetic");
  return program;
}

void BM_HappensBefore(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(HappensBefore::analyze(synthetic_program()).total_instructions());
}
BENCHMARK(BM_HappensBefore)->Unit(benchmark::kMillisecond);

void BM_InstructionLiveness(benchmark::State& state) {
  const HappensBefore hb = HappensBefore::analyze(synthetic_program());
  std::uint64_t pieces = 0, conflicts = 0;
  for (auto _ : state) {
    const Problem problem = instruction_liveness(synthetic_program(), hb, {64, 64}, "synthetic");
    pieces = problem.pieces().size();
    conflicts = problem.conflict_count();
  }
  state.counters["pieces"] = static_cast<double>(pieces);
  state.counters["conflicts"] = static_cast<double>(conflicts);
}
BENCHMARK(BM_InstructionLiveness)->Unit(benchmark::kMillisecond);

void BM_TopologyLiveness(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(topology_liveness(synthetic_program(), 64, "synthetic").lower_bound());
}
BENCHMARK(BM_TopologyLiveness)->Unit(benchmark::kMillisecond);

// What `tetris plan` does with a big problem: building it (conflicts from lifespans), then the
// planner with its default budgets (seeds, exact phase, genetic search). Wall time, both threads.
void BM_PlanSyntheticIntervalProblem(benchmark::State& state) {
  const auto buffers = static_cast<std::size_t>(state.range(0));
  PlanResult result;
  Offset bound = 0;
  for (auto _ : state) {
    const Problem problem = tetris::bench::synthetic_interval_problem(buffers, 1);
    bound = problem.lower_bound();
    result = plan_tetris(problem, PlannerOptions{});
  }
  state.counters["generations"] = static_cast<double>(result.generations);
  state.counters["peak_over_bound"] = static_cast<double>(result.peak) / static_cast<double>(bound);
  state.counters["time_limited"] = result.time_limited ? 1 : 0;
}
BENCHMARK(BM_PlanSyntheticIntervalProblem)->Arg(10000)->Arg(100000)->UseRealTime()->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
