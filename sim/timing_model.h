// How long things take: the timing formulas of the model, in one place (docs/simulator.md).
#pragma once

#include <cstdint>

#include "common/machine_config.h"
#include "common/trace.h"
#include "sim/sim_types.h"

namespace tetris::sim {

class TimingModel {
 public:
  explicit TimingModel(const MachineConfig& config);

  // conv and fc run on the PE array at pe_count x macs_per_pe_per_cycle MACs per cycle; the other
  // ops at pe_count x vector_ops_per_pe_per_cycle element operations per cycle. Rounded up.
  Cycles compute_cycles(ComputeOp op, std::uint64_t work) const;
  // Data beats a transfer of `bytes` needs on the memory bus: ceil(bytes / bandwidth). The DMA
  // packs the rows of a 2-D transfer into beats.
  Cycles beats(std::uint64_t bytes) const;
  Cycles memory_latency() const { return memory_latency_; }
  Cycles barrier_latency() const { return barrier_latency_; }
  Cycles semaphore_latency() const { return semaphore_latency_; }
  std::uint64_t bandwidth_bytes_per_cycle() const { return bandwidth_; }
  std::uint64_t macs_per_cycle() const { return macs_per_cycle_; }        // one core
  std::uint64_t vector_ops_per_cycle() const { return vector_per_cycle_; }  // one core
  // Requests a core's load unit (and its store unit) may have in flight.
  std::uint32_t requests_in_flight() const { return requests_in_flight_; }
  // The memory reads a multicast group once for all its cores (memory.multicast: on).
  bool multicasts() const { return multicasts_; }

  static bool is_mac_op(ComputeOp op) { return op == ComputeOp::conv || op == ComputeOp::fc; }

 private:
  std::uint64_t macs_per_cycle_;
  std::uint64_t vector_per_cycle_;
  std::uint64_t bandwidth_;
  Cycles memory_latency_;
  Cycles barrier_latency_;
  Cycles semaphore_latency_;
  std::uint32_t requests_in_flight_;
  bool multicasts_;
};

}  // namespace tetris::sim
