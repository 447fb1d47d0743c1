// The shared memory cut into the regions a program's accesses can tell apart. The trace is static
// and the plan fixed, so before the run every access, row of a 2-D access and tensor is known:
// bytes covered by exactly the same accesses and tensors always hold the same owner and the same
// liveness, so the checker keeps one entry per such region in flat arrays instead of interval
// trees, and a 2-D access whose rows all look alike costs a few regions, not one entry per row.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/trace.h"
#include "sim/address_map.h"
#include "sim/sim_types.h"

namespace tetris::sim {

// The checker keeps an entry per row of a 2-D access (rows back to back count once), about 32
// bytes each (a whole simulation grows by 25 per row: ResNet-50 on 16 cores under p2p takes
// 54 MB at batch 1, 1.4 M rows, and 541 MB at batch 16, 20.6 M rows): 2^27 rows is about 4 GiB.
// A trace with more is refused before any is allocated.
inline constexpr std::uint64_t kCheckerBytesPerRow = 32;
inline constexpr std::uint64_t kMaxAccessRows = std::uint64_t{1} << 27;

// The rows the checker would keep for `program` (saturating at 2^64 - 1).
std::uint64_t access_rows(const Program& program);

class AddressGrid {
 public:
  // Regions [first, last).
  struct Span {
    std::uint32_t first, last;
  };

  AddressGrid(const Program& program, const AddressMap& addresses);

  // The regions a load or store instruction covers, as runs of region ids in ascending order;
  // empty for other instructions.
  std::span<const Span> spans(CoreId core, std::uint32_t index) const {
    const auto [first, end] = span_indices(core, index);
    return spans_between(first, end);
  }
  // Where an instruction's spans sit among all spans: [first, end).
  std::pair<std::uint32_t, std::uint32_t> span_indices(CoreId core, std::uint32_t index) const {
    const std::uint32_t* at = &first_span_[core][index];
    return {at[0], at[1]};
  }
  std::span<const Span> spans_between(std::uint32_t first, std::uint32_t end) const {
    return std::span<const Span>(spans_).subspan(first, end - first);
  }
  // A tensor's address range is a run of whole regions.
  Span tensor_regions(TensorId tensor) const { return tensor_regions_[tensor]; }

  // Regions are numbered in the order of their lowest address. A region's bytes need not be
  // contiguous: [begin, end) is their hull.
  std::uint32_t region_count() const { return static_cast<std::uint32_t>(regions_.size()); }
  std::uint64_t begin(std::uint32_t region) const { return regions_[region].begin; }
  std::uint64_t end(std::uint32_t region) const { return regions_[region].end; }
  std::uint64_t bytes(std::uint32_t region) const { return regions_[region].bytes; }

  // What the regions saved (for benchmarks): rows of all accesses, elementary segments between
  // all boundaries, and runs of regions over all accesses.
  std::uint64_t row_count() const { return row_count_; }
  std::uint64_t segment_count() const { return segment_count_; }
  std::uint64_t span_count() const { return spans_.size(); }

 private:
  struct Region {
    std::uint64_t begin = 0, end = 0, bytes = 0;
  };
  std::vector<Region> regions_;
  std::vector<Span> spans_;
  std::vector<std::vector<std::uint32_t>> first_span_;  // per core, per instruction (+1 sentinel)
  std::vector<Span> tensor_regions_;
  std::uint64_t row_count_ = 0, segment_count_ = 0;
};

}  // namespace tetris::sim
