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

// Every address a tensor or a row of an access starts or ends at, ascending and numbered. When
// they are dense enough, a bitmap with one bit per possible boundary (at the coarsest power of two
// they are all multiples of) and a running count per word: building it is linear, and looking an
// address up is two reads. Else (a plan spread thinly over a large memory) the sorted addresses,
// searched by galloping from the previous row's.
class Boundaries {
 public:
  // for_each(visit) calls visit(address) for every boundary (duplicates allowed), `count` times.
  template <typename ForEach>
  Boundaries(std::size_t count, ForEach&& for_each) {
    std::uint64_t any = 0, max = 0;
    for_each([&](std::uint64_t a) { any |= a, max = std::max(max, a); });
    shift_ = any == 0 ? 0 : std::countr_zero(any);
    const std::uint64_t words = ((max >> shift_) >> 6) + 1;
    if (words <= 2 * count + 1024) {
      bits_.assign(words, 0);
      for_each([&](std::uint64_t a) { a >>= shift_, bits_[a >> 6] |= std::uint64_t{1} << (a & 63); });
      ranks_.resize(words);
      std::uint32_t rank = 0;
      for (std::uint64_t w = 0; w < words; ++w) {
        ranks_[w] = rank;
        rank += static_cast<std::uint32_t>(std::popcount(bits_[w]));
        for (std::uint64_t b = bits_[w]; b != 0; b &= b - 1)
          cuts.push_back(((w << 6) + static_cast<std::uint64_t>(std::countr_zero(b))) << shift_);
      }
    } else {
      cuts.reserve(count);
      for_each([&](std::uint64_t a) { cuts.push_back(a); });
      sort_addresses(cuts);
      cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    }
    if (cuts.size() > std::numeric_limits<std::uint32_t>::max())
      throw std::length_error("AddressGrid: more than 2^32 address boundaries");
  }

  // The number of boundary `address`; `from` is that of a boundary at or below it.
  std::uint32_t index(std::uint64_t address, std::size_t from = 0) const {
    if (!bits_.empty()) {
      const std::uint64_t a = address >> shift_;
      const std::uint64_t below = bits_[a >> 6] & ((std::uint64_t{1} << (a & 63)) - 1);
      return ranks_[a >> 6] + static_cast<std::uint32_t>(std::popcount(below));
    }
    // Gallop forward from `from`, then search the last stride.
    std::size_t step = 1, low = from, high = from + 1;
    while (high < cuts.size() && cuts[high] < address) low = high, step *= 2, high = from + step;
    high = std::min(high, cuts.size());
    const auto it = std::lower_bound(cuts.begin() + static_cast<std::ptrdiff_t>(low),
                                     cuts.begin() + static_cast<std::ptrdiff_t>(high), address);
    assert(it != cuts.end() && *it == address);
    return static_cast<std::uint32_t>(it - cuts.begin());
  }

  std::vector<std::uint64_t> cuts;  // the boundaries, ascending

 private:
  int shift_ = 0;
  std::vector<std::uint64_t> bits_;   // bit i: boundary i << shift_ (empty: sorted mode)
  std::vector<std::uint32_t> ranks_;  // per word of bits_: the boundaries below it
};

}  // namespace

std::uint64_t access_rows(const Program& program) {
  std::uint64_t total = 0;
  for (const auto& stream : program.streams)
    for (const Instruction& instruction : stream) {
      const auto* load = std::get_if<Load>(&instruction.op);
      const auto* store = std::get_if<Store>(&instruction.op);
      if (!load && !store) continue;
      const TensorRange& r = load ? load->range : store->range;
      const std::uint64_t rows = r.row_stride == r.row_bytes ? 1 : r.rows;  // as for_each_row visits them
      total = rows > std::numeric_limits<std::uint64_t>::max() - total ? std::numeric_limits<std::uint64_t>::max()
                                                                      : total + rows;
    }
  return total;
}

AddressGrid::AddressGrid(const Program& program, const AddressMap& addresses) {
  // 1. Elementary segments: cut at every tensor's and every row's ends.
  const std::uint64_t row_total = access_rows(program);  // reserve: 2-D accesses have millions of rows
  if (row_total > kMaxAccessRows)
    throw std::length_error("AddressGrid: more access rows than kMaxAccessRows (callers check access_rows first)");
  Boundaries boundaries(2 * (program.tensors.size() + row_total), [&](auto&& visit) {
    for (TensorId t = 0; t < program.tensors.size(); ++t) {
      visit(addresses.base(t));
      visit(addresses.base(t) + program.tensors[t].bytes);
    }
    for (const auto& stream : program.streams)
      for (const Instruction& instruction : stream)
        for_each_row(instruction, addresses, [&](std::uint64_t begin, std::uint64_t end) {
          visit(begin);
          visit(end);
        });
  });
  const std::vector<std::uint64_t>& cuts = boundaries.cuts;
  const auto segments = static_cast<std::uint32_t>(cuts.empty() ? 0 : cuts.size() - 1);

  // 2. The segments each tensor and each access covers. Rows come in ascending addresses: each is
  // looked up from where the previous one ended.
  std::vector<Span> tensor_segments;
  for (TensorId t = 0; t < program.tensors.size(); ++t) {
    const std::uint32_t first = boundaries.index(addresses.base(t));
    tensor_segments.push_back({first, boundaries.index(addresses.base(t) + program.tensors[t].bytes, first)});
  }
  std::vector<Span> rows;  // segments, per access row
  rows.reserve(row_total);
  for (const auto& stream : program.streams) {
    auto& first_span = first_span_.emplace_back();
    first_span.reserve(stream.size() + 1);
    for (const Instruction& instruction : stream) {
      first_span.push_back(static_cast<std::uint32_t>(rows.size()));
      std::size_t at = std::numeric_limits<std::size_t>::max();
      for_each_row(instruction, addresses, [&](std::uint64_t begin, std::uint64_t end) {
        const std::uint32_t first = boundaries.index(begin, at == std::numeric_limits<std::size_t>::max() ? 0 : at);
        const std::uint32_t last = boundaries.index(end, first);
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
