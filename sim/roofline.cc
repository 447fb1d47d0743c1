#include "sim/roofline.h"

#include <algorithm>
#include <tuple>

#include "sim/timing_model.h"

namespace tetris::sim {

namespace {

// A byte interval of one tensor touched by a load (or a store) of a layer.
struct Touch {
  TensorId tensor;
  std::uint64_t begin, end;
  bool operator<(const Touch& o) const { return std::tie(tensor, begin, end) < std::tie(o.tensor, o.begin, o.end); }
};

std::uint64_t distinct_bytes(std::vector<Touch>& touches) {
  std::sort(touches.begin(), touches.end());
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < touches.size();) {
    const TensorId tensor = touches[i].tensor;
    std::uint64_t begin = touches[i].begin, end = touches[i].end;
    for (++i; i < touches.size() && touches[i].tensor == tensor && touches[i].begin <= end; ++i)
      end = std::max(end, touches[i].end);
    total += end - begin;
  }
  return total;
}

void append_rows(std::vector<Touch>& out, TensorId tensor, const TensorRange& r) {
  if (r.row_stride == r.row_bytes || r.rows == 1) {  // contiguous rows: one interval
    out.push_back({tensor, r.offset, r.end()});
    return;
  }
  for (std::uint64_t row = 0; row < r.rows; ++row)
    out.push_back({tensor, r.offset + row * r.row_stride, r.offset + row * r.row_stride + r.row_bytes});
}

}  // namespace

std::vector<LayerWork> layer_work(const Program& program) {
  std::vector<LayerWork> work(program.layers.size());
  // Per layer, what its loads and its stores touch; one layer at a time would rescan every stream
  // per layer, so all are gathered (the simulator keeps about as much per row already).
  std::vector<std::vector<Touch>> loaded(program.layers.size()), stored(program.layers.size());
  for (const auto& stream : program.streams) {
    for (const Instruction& instruction : stream) {
      if (!instruction.layer) continue;
      LayerWork& w = work[*instruction.layer];
      if (const auto* load = std::get_if<Load>(&instruction.op)) {
        w.bytes += load->range.bytes();
        append_rows(loaded[*instruction.layer], load->tensor, load->range);
      } else if (const auto* store = std::get_if<Store>(&instruction.op)) {
        w.bytes += store->range.bytes();
        append_rows(stored[*instruction.layer], store->tensor, store->range);
      } else if (const auto* compute = std::get_if<Compute>(&instruction.op)) {
        (TimingModel::is_mac_op(compute->op) ? w.macs : w.element_ops) += compute->work;
      }
    }
  }
  for (LayerId l = 0; l < work.size(); ++l) {
    work[l].compulsory_bytes = distinct_bytes(loaded[l]) + distinct_bytes(stored[l]);
    std::vector<Touch>().swap(loaded[l]);
    std::vector<Touch>().swap(stored[l]);
  }
  return work;
}

namespace {

double roofline_with(const LayerWork& work, std::uint64_t bytes, const MachineConfig& config) {
  const double cores = static_cast<double>(config.cores);
  const double compute =
      static_cast<double>(work.macs) / (cores * static_cast<double>(config.core.pe_count * config.core.macs_per_pe_per_cycle)) +
      static_cast<double>(work.element_ops) /
          (cores * static_cast<double>(config.core.pe_count * config.core.vector_ops_per_pe_per_cycle));
  const double memory = static_cast<double>(bytes) / static_cast<double>(config.memory.bandwidth_bytes_per_cycle);
  return std::max(compute, memory);
}

}  // namespace

double roofline_cycles(const LayerWork& work, const MachineConfig& config) {
  return roofline_with(work, work.bytes, config);
}

double compulsory_roofline_cycles(const LayerWork& work, const MachineConfig& config) {
  return roofline_with(work, work.compulsory_bytes, config);
}

}  // namespace tetris::sim
