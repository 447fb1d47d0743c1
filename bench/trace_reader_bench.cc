// Trace read speed (target: >= 2 M instruction lines per second) on a synthetic 16-core
// trace shaped like a lowered CNN: tiles of load, load, compute, store between barriers.
#include <benchmark/benchmark.h>

#include <string>

#include <fmt/format.h>

#include "common/trace_io.h"

namespace {

std::string synthetic_trace(int layers, int tiles_per_core, int cores) {
  fmt::memory_buffer b;
  auto out = std::back_inserter(b);
  fmt::format_to(out, "tetris-trace 1\ncores {}\nelement_bytes 2\n", cores);
  for (int l = 0; l < layers; ++l) fmt::format_to(out, "layer {} conv{} conv\n", l, l);
  const std::uint64_t bytes = std::uint64_t(4096) * tiles_per_core * cores;
  for (int l = 0; l <= layers; ++l)
    fmt::format_to(out, "tensor {} t{} {} {} {}\n", l, l, bytes, l == 0 ? "input" : "activation",
                   l == 0 ? std::string("-") : fmt::format("conv{}", l - 1));
  fmt::format_to(out, "tensor {} w {} weight -\n", layers + 1, 1 << 20);
  for (int c = 0; c < cores; ++c) {
    fmt::format_to(out, "core {}\n", c);
    for (int l = 0; l < layers; ++l) {
      fmt::format_to(out, "layer conv{}\n", l);
      for (int t = 0; t < tiles_per_core; ++t) {
        const std::uint64_t offset = (std::uint64_t(c) * tiles_per_core + t) * 4096;
        fmt::format_to(out, "load {} {} 4096 nbin\n", l, offset);
        fmt::format_to(out, "load2d {} 0 512 1024 8 sb\n", layers + 1);
        fmt::format_to(out, "compute conv 1179648\n");
        fmt::format_to(out, "store {} {} 4096 nbout\n", l + 1, offset);
      }
      fmt::format_to(out, "barrier {} all\n", l);
    }
  }
  return fmt::to_string(b);
}

void BM_ReadTrace(benchmark::State& state) {
  const std::string text = synthetic_trace(50, static_cast<int>(state.range(0)), 16);
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
  const auto program = tetris::read_trace(synthetic_trace(50, 256, 16), "synthetic");
  for (auto _ : state) benchmark::DoNotOptimize(tetris::write_trace(program));
}
BENCHMARK(BM_WriteTrace)->Unit(benchmark::kMillisecond);

}  // namespace
