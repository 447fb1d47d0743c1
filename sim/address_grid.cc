#include "sim/address_grid.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <limits>
#include <stdexcept>

#include "sim/radix_sort.h"

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

// Addresses, sorted by radix over the bits in use; below 2^32 (any machine of up to 4 GiB) as
// 32-bit words: half the memory traffic.
void sort_addresses(std::vector<std::uint64_t>& values) {
  if (values.size() < 4096) {
    std::sort(values.begin(), values.end());
    return;
  }
  const std::uint64_t max = *std::max_element(values.begin(), values.end());
  const int bits = std::bit_width(max);
  if (bits > 32) {
    radix_sort(std::span<std::uint64_t>(values), bits, [](std::uint64_t v) { return v; });
    return;
  }
  std::vector<std::uint32_t> narrow(values.begin(), values.end());
  radix_sort(std::span<std::uint32_t>(narrow), bits, [](std::uint32_t v) { return std::uint64_t{v}; });
  std::copy(narrow.begin(), narrow.end(), values.begin());
}

}  // namespace

AddressGrid::AddressGrid(const Program& program, const AddressMap& addresses) {
  // 1. Elementary segments: cut at every tensor's and every row's ends.
  std::vector<std::uint64_t> cuts;
  std::size_t row_total = 0;  // reserve: the cuts of 2-D accesses run to millions
  for (const auto& stream : program.streams)
    for (const Instruction& instruction : stream) {
      const auto* load = std::get_if<Load>(&instruction.op);
      const auto* store = std::get_if<Store>(&instruction.op);
      if (load || store) row_total += (load ? load->range : store->range).rows;
    }
  cuts.reserve(2 * (program.tensors.size() + row_total));
  for (TensorId t = 0; t < program.tensors.size(); ++t) {
    cuts.push_back(addresses.base(t));
    cuts.push_back(addresses.base(t) + program.tensors[t].bytes);
  }
  for (const auto& stream : program.streams)
    for (const Instruction& instruction : stream)
      for_each_row(instruction, addresses, [&](std::uint64_t begin, std::uint64_t end) {
        cuts.push_back(begin);
        cuts.push_back(end);
      });
  sort_addresses(cuts);
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  if (cuts.size() < 2) cuts = {0, 1};
  const auto segments = static_cast<std::uint32_t>(cuts.size() - 1);

  // 2. The segments each tensor and each access covers. Rows come in ascending addresses: each is
  // looked up from where the previous one ended.
  auto index = [&](std::uint64_t address) {
    const auto it = std::lower_bound(cuts.begin(), cuts.end(), address);
    assert(it != cuts.end() && *it == address);
    return static_cast<std::uint32_t>(it - cuts.begin());
  };
  auto index_from = [&](std::size_t from, std::uint64_t address) {
    // Gallop forward from `from` (cuts[from] <= address), then search the last stride.
    std::size_t step = 1, low = from, high = from + 1;
    while (high < cuts.size() && cuts[high] < address) low = high, step *= 2, high = from + step;
    high = std::min(high, cuts.size());
    const auto it = std::lower_bound(cuts.begin() + static_cast<std::ptrdiff_t>(low),
                                     cuts.begin() + static_cast<std::ptrdiff_t>(high), address);
    assert(it != cuts.end() && *it == address);
    return static_cast<std::uint32_t>(it - cuts.begin());
  };
  std::vector<Span> tensor_segments;
  for (TensorId t = 0; t < program.tensors.size(); ++t) {
    const std::uint32_t first = index(addresses.base(t));
    tensor_segments.push_back({first, index_from(first, addresses.base(t) + program.tensors[t].bytes)});
  }
  std::vector<Span> rows;  // segments, per access row
  for (const auto& stream : program.streams) {
    auto& first_span = first_span_.emplace_back();
    first_span.reserve(stream.size() + 1);
    for (const Instruction& instruction : stream) {
      first_span.push_back(static_cast<std::uint32_t>(rows.size()));
      std::size_t at = std::numeric_limits<std::size_t>::max();
      for_each_row(instruction, addresses, [&](std::uint64_t begin, std::uint64_t end) {
        const std::uint32_t first = at == std::numeric_limits<std::size_t>::max() ? index(begin) : index_from(at, begin);
        const std::uint32_t last = index_from(first, end);
        rows.push_back({first, last});
        at = last;
      });
    }
    first_span.push_back(static_cast<std::uint32_t>(rows.size()));
  }
  if (rows.size() > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("AddressGrid: more than 2^32 rows of accesses");

  // 3. Partition refinement: segments start in one class; each tensor and each access splits
  // every class it touches into the part it covers and the rest. What is left are the classes of
  // segments covered by the same tensors and accesses. Linear in the segments covered.
  std::vector<std::uint32_t> class_of(segments, 0);
  std::vector<std::uint32_t> split_at{0}, split_to{0};  // per class: the item that last split it, into what
  std::uint32_t item = 0;
  auto refine = [&](std::span<const Span> covered) {
    ++item;
    for (const Span& span : covered)
      for (std::uint32_t s = span.first; s < span.last; ++s) {
        const std::uint32_t c = class_of[s];
        if (split_at[c] != item) {
          split_at[c] = item;
          split_to[c] = static_cast<std::uint32_t>(split_at.size());
          split_at.push_back(item);  // the new class is not split again by this item
          split_to.push_back(0);
        }
        class_of[s] = split_to[c];
      }
  };
  for (const Span& span : tensor_segments) refine(std::span<const Span>(&span, 1));
  for (const auto& first_span : first_span_)
    for (std::size_t i = 0; i + 1 < first_span.size(); ++i)
      refine(std::span<const Span>(rows).subspan(first_span[i], first_span[i + 1] - first_span[i]));

  // 4. Number the classes in the order of their lowest segment: regions.
  std::vector<std::uint32_t> region_of_class(split_at.size(), std::numeric_limits<std::uint32_t>::max());
  std::vector<std::uint32_t>& region_of = class_of;  // now per segment: its region
  for (std::uint32_t s = 0; s < segments; ++s) {
    std::uint32_t& region = region_of_class[class_of[s]];
    if (region == std::numeric_limits<std::uint32_t>::max()) {
      region = static_cast<std::uint32_t>(regions_.size());
      regions_.push_back({cuts[s], cuts[s], 0});
    }
    regions_[region].end = cuts[s + 1];
    regions_[region].bytes += cuts[s + 1] - cuts[s];
    region_of[s] = region;
  }
  regions_.shrink_to_fit();

  // 5. Each access as runs of regions. An access covers all of each region it touches, and
  // regions are numbered by their lowest segment, so walking its segments in address order meets
  // new regions in ascending order: a region not above the highest met so far was met before.
  for (const Span& t : tensor_segments) {
    if (t.first == t.last) {
      tensor_regions_.push_back({0, 0});
      continue;
    }
    std::uint32_t last = region_of[t.first];
    for (std::uint32_t s = t.first; s < t.last; ++s) last = std::max(last, region_of[s]);
    tensor_regions_.push_back({region_of[t.first], last + 1});
  }
  for (auto& first_span : first_span_) {
    for (std::size_t i = 0; i + 1 < first_span.size(); ++i) {
      const std::uint32_t row_begin = first_span[i], row_end = first_span[i + 1];
      first_span[i] = static_cast<std::uint32_t>(spans_.size());
      bool any = false;
      std::uint32_t highest = 0;
      for (std::uint32_t r = row_begin; r < row_end; ++r)
        for (std::uint32_t s = rows[r].first; s < rows[r].last; ++s) {
          const std::uint32_t region = region_of[s];
          if (any && region <= highest) continue;
          if (any && region == highest + 1 && spans_.back().last == region)
            ++spans_.back().last;
          else
            spans_.push_back({region, region + 1});
          any = true, highest = region;
        }
    }
    first_span.back() = static_cast<std::uint32_t>(spans_.size());
  }
  spans_.shrink_to_fit();
  row_count_ = rows.size();
  segment_count_ = segments;
}

}  // namespace tetris::sim
