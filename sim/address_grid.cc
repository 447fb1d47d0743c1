#include "sim/address_grid.h"

#include <algorithm>
#include <cassert>
#include <limits>

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

// LSD radix sort of addresses, 11 bits a pass over the bits in use: linear, and several times
// faster than a comparison sort on the millions of boundaries 2-D accesses can produce.
void radix_sort(std::vector<std::uint64_t>& values) {
  if (values.size() < 4096) {
    std::sort(values.begin(), values.end());
    return;
  }
  const std::uint64_t max = *std::max_element(values.begin(), values.end());
  constexpr int kBits = 11;
  constexpr std::size_t kBuckets = std::size_t{1} << kBits;
  std::vector<std::uint64_t> scratch(values.size());
  for (int shift = 0; shift < 64 && (max >> shift) != 0; shift += kBits) {
    std::vector<std::size_t> count(kBuckets + 1, 0);
    for (const std::uint64_t v : values) ++count[((v >> shift) & (kBuckets - 1)) + 1];
    for (std::size_t b = 1; b <= kBuckets; ++b) count[b] += count[b - 1];
    for (const std::uint64_t v : values) scratch[count[(v >> shift) & (kBuckets - 1)]++] = v;
    values.swap(scratch);
  }
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
  radix_sort(cuts_);
  cuts_.erase(std::unique(cuts_.begin(), cuts_.end()), cuts_.end());
  if (cuts_.size() < 2) cuts_ = {0, 1};
  cuts_.shrink_to_fit();

  for (const auto& stream : program.streams) {
    auto& accesses = accesses_.emplace_back();
    accesses.reserve(stream.size() + 1);
    for (const Instruction& instruction : stream) {
      const auto* load = std::get_if<Load>(&instruction.op);
      const auto* store = std::get_if<Store>(&instruction.op);
      accesses.push_back({spans_.size(), load ? load->tensor : store ? store->tensor : kNoTensor});
      // Rows come in ascending addresses: look each up from where the previous one ended.
      std::size_t at = std::numeric_limits<std::size_t>::max();
      for_each_row(instruction, addresses, [&](std::uint64_t begin, std::uint64_t end) {
        const std::uint32_t first = at == std::numeric_limits<std::size_t>::max() ? index(begin) : index_from(at, begin);
        const std::uint32_t last = index_from(first, end);
        spans_.push_back({first, last});
        at = last;
      });
    }
    accesses.push_back({spans_.size(), kNoTensor});
  }
  spans_.shrink_to_fit();
}

std::uint32_t AddressGrid::index_from(std::size_t from, std::uint64_t address) const {
  // Gallop forward from `from` (cuts_[from] <= address), then search the last stride.
  std::size_t step = 1, low = from, high = from + 1;
  while (high < cuts_.size() && cuts_[high] < address) low = high, step *= 2, high = from + step;
  high = std::min(high, cuts_.size());
  const auto it = std::lower_bound(cuts_.begin() + static_cast<std::ptrdiff_t>(low),
                                   cuts_.begin() + static_cast<std::ptrdiff_t>(high), address);
  assert(it != cuts_.end() && *it == address);
  return static_cast<std::uint32_t>(it - cuts_.begin());
}

std::uint32_t AddressGrid::index(std::uint64_t address) const {
  const auto it = std::lower_bound(cuts_.begin(), cuts_.end(), address);
  assert(it != cuts_.end() && *it == address);
  return static_cast<std::uint32_t>(it - cuts_.begin());
}

}  // namespace tetris::sim
