// The whole liveness analysis of ResNet-50 (batch 1) lowered onto 4 and 16 cores, both sync
// modes: happens-before, topology- and instruction-level problems with their bounds (the target
// for 16 cores is < 0.5 s). Lowering happens once, outside the timed loop.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <fmt/format.h>

#include "common/machine_config.h"
#include "pipeline/pipeline.h"

namespace {

using namespace tetris;

void analyse_resnet50(benchmark::State& state, std::uint32_t cores, workloads::SyncMode sync) {
  const MachineConfig config = load_machine_config(fmt::format("cambricon-x-{}core", cores));
  workloads::LoweringOptions lowering;
  lowering.sync = sync;
  const Program program = pipeline::lower({.model = "resnet50", .batch = 1}, config, lowering).program;
  pipeline::AnalysisOptions analysis;
  analysis.alignment = config.memory.alignment_bytes;
  std::uint64_t pieces = 0, conflicts = 0, blocks = 0;
  for (auto _ : state) {
    const pipeline::Liveness liveness = pipeline::analyse(program, analysis, "resnet50");
    const memmgr::Problem& instruction = liveness.instruction;
    benchmark::DoNotOptimize(liveness.topology.lower_bound() + instruction.lower_bound());
    pieces = instruction.pieces().size();
    conflicts = instruction.conflict_count();
    blocks = instruction.conflict_block_count();
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["pieces"] = static_cast<double>(pieces);
  state.counters["conflicts"] = static_cast<double>(conflicts);
  state.counters["blocks"] = static_cast<double>(blocks);
  state.counters["peak_rss_MiB"] = static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB
}

BENCHMARK_CAPTURE(analyse_resnet50, 4core_barrier, 4, workloads::SyncMode::barrier)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(analyse_resnet50, 4core_p2p, 4, workloads::SyncMode::p2p)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(analyse_resnet50, 16core_barrier, 16, workloads::SyncMode::barrier)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(analyse_resnet50, 16core_p2p, 16, workloads::SyncMode::p2p)->Unit(benchmark::kMillisecond);

}  // namespace
