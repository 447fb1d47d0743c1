#include "sim/timing_model.h"

#include <algorithm>

#include "common/checked_math.h"

namespace tetris::sim {

TimingModel::TimingModel(const MachineConfig& config)
    : macs_per_cycle_(config.core.pe_count * config.core.macs_per_pe_per_cycle),
      vector_per_cycle_(config.core.pe_count * config.core.vector_ops_per_pe_per_cycle),
      bandwidth_(config.memory.bandwidth_bytes_per_cycle),
      memory_latency_(config.memory.latency_cycles),
      barrier_latency_(config.sync.barrier_latency_cycles),
      semaphore_latency_(config.sync.semaphore_latency_cycles),
      requests_in_flight_(static_cast<std::uint32_t>(std::max<std::uint64_t>(1, config.memory.requests_in_flight))),
      multicasts_(config.multicasts()) {}

Cycles TimingModel::compute_cycles(ComputeOp op, std::uint64_t work) const {
  return ceil_div(work, is_mac_op(op) ? macs_per_cycle_ : vector_per_cycle_);
}

Cycles TimingModel::beats(std::uint64_t bytes) const { return ceil_div(bytes, bandwidth_); }

}  // namespace tetris::sim
