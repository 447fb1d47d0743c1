#include "sim/address_grid.h"

#include <algorithm>
#include <cassert>

namespace tetris::sim {

namespace {

// Calls row(begin, end) for each address range an access covers.
template <typename Row>
void for_each_row(const Instruction& instruction, const AddressMap& addresses, Row&& row) {
  const auto* load = std::get_if<Load>(&instruction.op);
  const auto* store = std::get_if<Store>(&instruction.op);
  if (!load && !store) return;
  const TensorRange& r = load ? load->range : store->range;
  const std::uint64_t base = addresses.base(load ? load->tensor : store->tensor) + r.offset;
  if (r.row_stride == r.row_bytes) {  // rows back to back: one range
    row(base, base + r.bytes());
    return;
  }
  for (std::uint64_t i = 0; i < r.rows; ++i) row(base + i * r.row_stride, base + i * r.row_stride + r.row_bytes);
}

}  // namespace

AddressGrid::AddressGrid(const Program& program, const AddressMap& addresses) {
  for (TensorId t = 0; t < program.tensors.size(); ++t) {
    cuts_.push_back(addresses.base(t));
    cuts_.push_back(addresses.base(t) + program.tensors[t].bytes);
  }
  for (const auto& stream : program.streams)
    for (const Instruction& instruction : stream)
      for_each_row(instruction, addresses, [&](std::uint64_t begin, std::uint64_t end) {
        cuts_.push_back(begin);
        cuts_.push_back(end);
      });
  std::sort(cuts_.begin(), cuts_.end());
  cuts_.erase(std::unique(cuts_.begin(), cuts_.end()), cuts_.end());
  if (cuts_.size() < 2) cuts_ = {0, 1};
  cuts_.shrink_to_fit();

  for (const auto& stream : program.streams) {
    auto& starts = starts_.emplace_back();
    starts.reserve(stream.size() + 1);
    for (const Instruction& instruction : stream) {
      starts.push_back(spans_.size());
      for_each_row(instruction, addresses, [&](std::uint64_t begin, std::uint64_t end) {
        spans_.push_back({index(begin), index(end)});
      });
    }
    starts.push_back(spans_.size());
  }
  spans_.shrink_to_fit();
}

std::uint32_t AddressGrid::index(std::uint64_t address) const {
  const auto it = std::lower_bound(cuts_.begin(), cuts_.end(), address);
  assert(it != cuts_.end() && *it == address);
  return static_cast<std::uint32_t>(it - cuts_.begin());
}

}  // namespace tetris::sim
