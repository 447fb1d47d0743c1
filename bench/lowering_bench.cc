// Lowering ResNet-50 (batch 1) onto 4 and 16 Cambricon-X cores, both sync modes: time per
// lowering, instructions emitted and the process's peak resident memory (the target for 16 cores
// is < 1 s and < 500 MiB). The model is loaded once, outside the timed loop.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <fmt/format.h>

#include "common/machine_config.h"
#include "workloads/lowering.h"
#include "workloads/model_loader.h"

namespace {

using namespace tetris;

void lower_resnet50(benchmark::State& state, std::uint32_t cores, workloads::SyncMode sync) {
  const MachineConfig config = load_machine_config(fmt::format("cambricon-x-{}core", cores));
  const workloads::Model model = workloads::load_model("resnet50", {1, config.core.element_bytes});
  std::uint64_t instructions = 0;
  for (auto _ : state) {
    const Program program = workloads::lower(model, config, {true, sync, workloads::PartitionMode::rows});
    instructions = 0;
    for (const auto& stream : program.streams) instructions += stream.size();
    benchmark::DoNotOptimize(instructions);
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["instructions"] = static_cast<double>(instructions);
  state.counters["peak_rss_MiB"] = static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB
}

BENCHMARK_CAPTURE(lower_resnet50, cores4_barrier, 4, workloads::SyncMode::barrier)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(lower_resnet50, cores16_barrier, 16, workloads::SyncMode::barrier)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(lower_resnet50, cores16_p2p, 16, workloads::SyncMode::p2p)->Unit(benchmark::kMillisecond);

}  // namespace
