// What `tetris lower` prints: per layer of the lowered program, its MACs, element operations,
// bytes loaded and stored and tiles (computes) per core, then totals. Computed from the Program
// alone, so it describes any trace, however it was made.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/trace.h"

namespace tetris::workloads {

struct LayerLoweringSummary {
  std::string name, op;
  std::uint64_t macs = 0, element_ops = 0, bytes_loaded = 0, bytes_stored = 0, instructions = 0;
  std::vector<std::uint64_t> tiles;  // compute instructions, per core
};

// Free-form labels for the header line (model, config, options).
struct LoweringLabels {
  std::string model, config, sync, partition;
  std::uint64_t batch = 1;
  bool fused = true;
  bool fused_residual = false;  // convolutions absorb residual adds too
  std::string schedule = "layer";
  std::string blocks = "band";
};

struct LoweringSummary {
  LoweringLabels labels;
  std::uint32_t cores = 0;
  std::uint64_t element_bytes = 0;
  std::vector<LayerLoweringSummary> layers;
  std::vector<std::uint64_t> instructions;  // per core
  std::uint64_t macs = 0, element_ops = 0, bytes_loaded = 0, bytes_stored = 0;
  std::uint64_t barriers = 0, signals = 0, waits = 0;
  std::uint64_t activation_bytes = 0, weight_bytes = 0;  // tensor sizes: inputs/activations/outputs, weights
  // Multicast groups (memory.multicast: on), the loads in them, and the bytes those loads move
  // beyond one copy per group: what a memory that multicasts does not read.
  std::uint64_t multicast_groups = 0, multicast_loads = 0, multicast_bytes = 0;
};

LoweringSummary summarize_lowering(const Program& program, LoweringLabels labels);
std::string format_lowering_table(const LoweringSummary& summary);
std::string lowering_to_json(const LoweringSummary& summary);

}  // namespace tetris::workloads
