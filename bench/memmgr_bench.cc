// Hot paths of memmgr: the placement decoder, the genetic planner for a fixed number of
// generations, and instruction-level liveness (happens-before + pieces + conflicts) of a large
// 16-core trace.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <numeric>
#include <random>

#include "common/trace_io.h"
#include "memmgr/genetic_planner.h"
#include "memmgr/happens_before.h"
#include "memmgr/instruction_liveness.h"
#include "memmgr/minimalloc_csv.h"
#include "memmgr/placement_decoder.h"
#include "memmgr/topology_liveness.h"
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

const tetris::Program& synthetic_program() {
  static const tetris::Program program = tetris::read_trace(tetris::bench::synthetic_trace(50, 64, 16), "synthetic");
  return program;
}

// The Tetris planner (seeds + genetic search) on the synthetic trace's instruction-level problem:
// multi-piece buffers, so no exact phase, and a fixed generation count with no time limit in reach,
// so every iteration does the same work whatever the machine's load.
void BM_GeneticPlanner(benchmark::State& state) {
  static const Problem problem = [] {
    const HappensBefore hb = HappensBefore::analyze(synthetic_program());
    return instruction_liveness(synthetic_program(), hb, {64, 64}, "synthetic");
  }();
  PlannerOptions options;
  options.seed = 1;
  options.max_generations = static_cast<std::uint64_t>(state.range(0));
  options.time_limit_seconds = 1e6;
  PlanResult result;
  for (auto _ : state) result = plan_tetris(problem, options);
  state.counters["buffers"] = static_cast<double>(problem.buffers().size());
  state.counters["generations"] = static_cast<double>(result.generations);
  state.counters["peak_over_bound"] = static_cast<double>(result.peak) / static_cast<double>(problem.lower_bound);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(result.generations));
}
BENCHMARK(BM_GeneticPlanner)->Arg(20)->UseRealTime()->Unit(benchmark::kMillisecond);  // two search threads

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
  for (auto _ : state) benchmark::DoNotOptimize(topology_liveness(synthetic_program(), 64, "synthetic").lower_bound);
}
BENCHMARK(BM_TopologyLiveness)->Unit(benchmark::kMillisecond);

}  // namespace
