// Simulation speed (target: >= 5 M simulated instructions per second of wall time) on a
// synthetic 16-core trace shaped like a lowered CNN: tiles of load, load (weights), compute,
// store between barriers, about 1 M instructions; and ResNet-50 lowered onto 16 cores (target:
// < 10 s and < 1 GiB end to end). libsystemc owns main(): sc_bench_main.cc runs it.
#include <systemc>

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "common/machine_config.h"
#include "common/trace_io.h"
#include "sim/address_grid.h"
#include "sim/address_map.h"
#include "sim/simulator.h"
#include "workloads/lowering.h"
#include "workloads/model_loader.h"
#include "synthetic_trace.h"

namespace {

// The 16-core config on the ideal bus or on DRAM (targets: >= 5 M and >= 2 M instructions/s).
tetris::MachineConfig config_on(bool dram) {
  tetris::MachineConfig config = tetris::load_machine_config("cambricon-x-16core");
  config.memory.model = static_cast<std::uint64_t>(dram ? tetris::MemoryModel::dram : tetris::MemoryModel::ideal);
  return config;
}

void BM_Simulate(benchmark::State& state) {
  const tetris::Program program =
      tetris::read_trace(tetris::bench::synthetic_trace(
          {.layers = 50, .tiles_per_core = static_cast<int>(state.range(0)), .cores = 16, .tile_bytes = 2048, .varied = true}), "synthetic");
  const tetris::MachineConfig config = config_on(state.range(2) != 0);
  const tetris::sim::AddressMap addresses = tetris::sim::AddressMap::naive(program, config, "synthetic");
  const tetris::sim::Simulator simulator(program, config, addresses);
  std::uint64_t instructions = 0;
  tetris::sim::Cycles cycles = 0;
  for (auto _ : state) {
    const auto result = state.range(1) ? simulator.run(tetris::sim::Jitter(1)) : simulator.run();
    instructions = result.instructions;
    cycles = result.cycles;
    if (result.conflict_count || result.deadlock) state.SkipWithError("the synthetic trace should run clean");
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(instructions));
  state.counters["instructions"] = static_cast<double>(instructions);
  state.counters["simulated_cycles"] = static_cast<double>(cycles);
  state.counters["instructions_per_s"] = benchmark::Counter(static_cast<double>(instructions),
                                                            benchmark::Counter::kIsIterationInvariantRate);
}
// (tiles per core and layer, jitter, dram): 50 x 320 x 16 x 4 = 1.02 M instructions.
BENCHMARK(BM_Simulate)
    ->Args({32, 0, 0})
    ->Args({320, 0, 0})
    ->Args({320, 1, 0})
    ->Args({32, 0, 1})
    ->Args({320, 0, 1})
    ->Unit(benchmark::kMillisecond);

// ResNet-50 (batch 1) lowered onto 16 cores, naive plan. With `setup` the timing includes what a
// `tetris sim` run adds to the simulation itself: the per-program tables (the address grid).
void BM_ResNet50(benchmark::State& state, tetris::workloads::SyncMode sync, bool setup, bool dram = false) {
  const tetris::MachineConfig config = config_on(dram);
  const auto model = tetris::workloads::load_model("resnet50", {1, config.core.element_bytes});
  const tetris::Program program =
      tetris::workloads::lower(model, config, {true, sync, tetris::workloads::PartitionMode::rows});
  const tetris::sim::AddressMap addresses = tetris::sim::AddressMap::naive(program, config, "resnet50");
  const tetris::sim::Simulator prepared(program, config, addresses);
  const tetris::sim::AddressGrid grid(program, addresses);
  state.counters["access_rows"] = static_cast<double>(grid.row_count());
  state.counters["segments"] = static_cast<double>(grid.segment_count());
  state.counters["regions"] = static_cast<double>(grid.region_count());
  state.counters["region_runs"] = static_cast<double>(grid.span_count());
  std::uint64_t instructions = 0;
  for (auto _ : state) {
    const auto result = setup ? tetris::sim::Simulator(program, config, addresses).run() : prepared.run();
    instructions = result.instructions;
    if (result.conflict_count || result.deadlock) state.SkipWithError("ResNet-50 should run clean");
    state.counters["simulated_cycles"] = static_cast<double>(result.cycles);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(instructions));
  state.counters["instructions"] = static_cast<double>(instructions);
  state.counters["instructions_per_s"] = benchmark::Counter(static_cast<double>(instructions),
                                                            benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK_CAPTURE(BM_ResNet50, cores16_barrier_run, tetris::workloads::SyncMode::barrier, false)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ResNet50, cores16_barrier_with_setup, tetris::workloads::SyncMode::barrier, true)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ResNet50, cores16_p2p_run, tetris::workloads::SyncMode::p2p, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ResNet50, cores16_barrier_run_dram, tetris::workloads::SyncMode::barrier, false, true)
    ->Unit(benchmark::kMillisecond);

}  // namespace
