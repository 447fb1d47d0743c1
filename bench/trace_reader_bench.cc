// Trace read speed (target: >= 2 M instruction lines per second) on a synthetic 16-core
// trace shaped like a lowered CNN: tiles of load, load, compute, store between barriers.
#include <benchmark/benchmark.h>

#include <string>

#include <fmt/format.h>

#include "common/trace_io.h"
#include "synthetic_trace.h"

namespace {

void BM_ReadTrace(benchmark::State& state) {
  const std::string text = tetris::bench::synthetic_trace({.layers = 50, .tiles_per_core = static_cast<int>(state.range(0)), .cores = 16});
  std::int64_t lines = 0;
  for (char ch : text) lines += ch == '\n';
  for (auto _ : state) {
    auto program = tetris::read_trace(text, "synthetic");
    benchmark::DoNotOptimize(program.streams.data());
  }
  state.SetItemsProcessed(state.iterations() * lines);
  state.counters["lines"] = static_cast<double>(lines);
  state.counters["lines_per_s"] =
      benchmark::Counter(static_cast<double>(lines), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ReadTrace)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond);

void BM_WriteTrace(benchmark::State& state) {
  const auto program = tetris::read_trace(tetris::bench::synthetic_trace({.layers = 50, .tiles_per_core = 256, .cores = 16}), "synthetic");
  for (auto _ : state) benchmark::DoNotOptimize(tetris::write_trace(program));
}
BENCHMARK(BM_WriteTrace)->Unit(benchmark::kMillisecond);

}  // namespace
