#include "sim/roofline.h"

#include <algorithm>
#include <bit>
#include <span>
#include <tuple>

#include "sim/radix_sort.h"
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
  // The sweep below needs them by (tensor, begin) only. A layer at batch 16 touches millions of
  // rows, and sorting them was a fifth of a simulation's time: radix on one key when it fits.
  std::uint64_t max_tensor = 0, max_begin = 0;
  for (const Touch& t : touches) max_tensor = std::max<std::uint64_t>(max_tensor, t.tensor), max_begin = std::max(max_begin, t.begin);
  const int begin_bits = std::bit_width(max_begin), bits = begin_bits + std::bit_width(max_tensor);
  if (bits <= 64 && begin_bits < 64)
    radix_sort(std::span<Touch>(touches), bits,
               [begin_bits](const Touch& t) { return (std::uint64_t{t.tensor} << begin_bits) | t.begin; });
  else
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

std::vector<LayerWork> layer_work(const Program& program, bool multicasts) {
  std::vector<LayerWork> work(program.layers.size());
  // The instructions are bucketed by layer first (8 bytes each), then each layer's rows are
  // gathered, counted and dropped in turn: only one layer's rows are ever held (at batch 16 all
  // of them took gigabytes).
  std::vector<std::uint64_t> start(work.size() + 1, 0);
  for (CoreId core = 0; core < program.streams.size(); ++core)
    for (const Instruction& instruction : program.streams[core]) {
      if (!instruction.layer) continue;
      LayerWork& w = work[*instruction.layer];
      ++start[*instruction.layer + 1];
      if (const auto* load = std::get_if<Load>(&instruction.op)) {
        // A group's bytes count with its first participant only.
        if (!multicasts || !load->multicast || program.multicasts.at(*load->multicast).front() == core)
          w.bytes += load->range.bytes();
      } else if (const auto* store = std::get_if<Store>(&instruction.op)) {
        w.bytes += store->range.bytes();
      } else if (const auto* compute = std::get_if<Compute>(&instruction.op)) {
        (TimingModel::is_mac_op(compute->op) ? w.macs : w.element_ops) += compute->work;
      }
    }
  for (std::size_t l = 0; l < work.size(); ++l) start[l + 1] += start[l];
  std::vector<const Instruction*> by_layer(start.back());
  {
    std::vector<std::uint64_t> cursor(start.begin(), start.end() - 1);
    for (const auto& stream : program.streams)
      for (const Instruction& instruction : stream)
        if (instruction.layer) by_layer[cursor[*instruction.layer]++] = &instruction;
  }
  std::vector<Touch> loaded, stored;
  for (LayerId l = 0; l < work.size(); ++l) {
    loaded.clear();
    stored.clear();
    for (std::uint64_t i = start[l]; i < start[l + 1]; ++i) {
      const Instruction& instruction = *by_layer[i];
      if (const auto* load = std::get_if<Load>(&instruction.op)) append_rows(loaded, load->tensor, load->range);
      else if (const auto* store = std::get_if<Store>(&instruction.op)) append_rows(stored, store->tensor, store->range);
    }
    work[l].compulsory_bytes = distinct_bytes(loaded) + distinct_bytes(stored);
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
  const double memory = static_cast<double>(bytes) / static_cast<double>(config.peak_bandwidth_bytes_per_cycle());
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
