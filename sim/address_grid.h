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
#include "sim/sim_types.h"

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
    const Access* at = &accesses_[core][index];
    return std::span<const Span>(spans_).subspan(at[0].first_span, at[1].first_span - at[0].first_span);
  }
  // Where an instruction's spans sit among all spans: [first, end).
  std::pair<std::uint32_t, std::uint32_t> span_indices(CoreId core, std::uint32_t index) const {
    const Access* at = &accesses_[core][index];
    return {static_cast<std::uint32_t>(at[0].first_span), static_cast<std::uint32_t>(at[1].first_span)};
  }
  std::span<const Span> spans_between(std::uint32_t first, std::uint32_t end) const {
    return std::span<const Span>(spans_).subspan(first, end - first);
  }

  // The segment that starts at `address`, which must be a boundary (or end(): segment_count()).
  std::uint32_t index(std::uint64_t address) const;
  std::uint64_t begin(std::uint32_t segment) const { return cuts_[segment]; }
  std::uint64_t end(std::uint32_t segment) const { return cuts_[segment + 1]; }
  std::uint32_t segment_count() const { return static_cast<std::uint32_t>(cuts_.size() - 1); }

 private:
  std::uint32_t index_from(std::size_t from, std::uint64_t address) const;  // cuts_[from] <= address

  std::vector<std::uint64_t> cuts_;  // ascending boundaries; segment i is [cuts_[i], cuts_[i + 1])
  struct Access {
    std::uint64_t first_span;  // in spans_
    TensorId tensor;
  };
  std::vector<Span> spans_;
  std::vector<std::vector<Access>> accesses_;  // per core, per instruction (+1 sentinel)
};

}  // namespace tetris::sim
