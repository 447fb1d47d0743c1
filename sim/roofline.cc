#include "sim/roofline.h"

#include <algorithm>

#include "sim/timing_model.h"

namespace tetris::sim {

std::vector<LayerWork> layer_work(const Program& program) {
  std::vector<LayerWork> work(program.layers.size());
  for (const auto& stream : program.streams) {
    for (const Instruction& instruction : stream) {
      if (!instruction.layer) continue;
      LayerWork& w = work[*instruction.layer];
      if (const auto* load = std::get_if<Load>(&instruction.op)) {
        w.bytes += load->range.bytes();
      } else if (const auto* store = std::get_if<Store>(&instruction.op)) {
        w.bytes += store->range.bytes();
      } else if (const auto* compute = std::get_if<Compute>(&instruction.op)) {
        (TimingModel::is_mac_op(compute->op) ? w.macs : w.element_ops) += compute->work;
      }
    }
  }
  return work;
}

double roofline_cycles(const LayerWork& work, const MachineConfig& config) {
  const double cores = static_cast<double>(config.cores);
  const double compute =
      static_cast<double>(work.macs) / (cores * static_cast<double>(config.core.pe_count * config.core.macs_per_pe_per_cycle)) +
      static_cast<double>(work.element_ops) /
          (cores * static_cast<double>(config.core.pe_count * config.core.vector_ops_per_pe_per_cycle));
  const double memory = static_cast<double>(work.bytes) / static_cast<double>(config.memory.bandwidth_bytes_per_cycle);
  return std::max(compute, memory);
}

}  // namespace tetris::sim
