// The shared memory cut into the elementary address segments a program's accesses can tell
// apart. The trace is static and the plan fixed, so every boundary an access, a row of a 2-D
// access or a tensor can have is known before the run: every access then covers whole segments,
// and the checker keeps flat arrays indexed by segment instead of interval trees.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/trace.h"
#include "sim/address_map.h"

namespace tetris::sim {

class AddressGrid {
 public:
  // Segments [first, last): one per row of an access (rows back to back count as one).
  struct Span {
    std::uint32_t first, last;
  };

  AddressGrid(const Program& program, const AddressMap& addresses);

  // The segments a load or store instruction covers; empty for other instructions.
  std::span<const Span> spans(CoreId core, std::uint32_t index) const {
    const std::uint64_t* at = &starts_[core][index];
    return std::span<const Span>(spans_).subspan(at[0], at[1] - at[0]);
  }

  // The segment that starts at `address`, which must be a boundary (or end(): segment_count()).
  std::uint32_t index(std::uint64_t address) const;
  std::uint64_t begin(std::uint32_t segment) const { return cuts_[segment]; }
  std::uint64_t end(std::uint32_t segment) const { return cuts_[segment + 1]; }
  std::uint32_t segment_count() const { return static_cast<std::uint32_t>(cuts_.size() - 1); }

 private:
  std::uint32_t index_from(std::size_t from, std::uint64_t address) const;  // cuts_[from] <= address

  std::vector<std::uint64_t> cuts_;  // ascending boundaries; segment i is [cuts_[i], cuts_[i + 1])
  std::vector<Span> spans_;
  std::vector<std::vector<std::uint64_t>> starts_;  // per core, per instruction (+1): first of its spans
};

}  // namespace tetris::sim
