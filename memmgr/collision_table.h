// Where two rigid buffers may not sit relative to each other: for every pair of conflicting
// buffers, the displacements base(b) - base(o) at which some conflicting pieces would overlap.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "memmgr/problem.h"

namespace tetris::memmgr {

// Half-open [lo, hi) of base(b) - base(o).
using Displacements = std::pair<std::int64_t, std::int64_t>;

// The Minkowski difference of two buffers' shapes, restricted to conflicting pieces, merged into
// few sorted, disjoint intervals; a decoder or a bound then visits intervals, not piece pairs.
class CollisionTable {
 public:
  struct Entry {
    BufferId other;
    std::uint32_t begin, end;  // range in the displacement list
  };

  explicit CollisionTable(const Problem& problem);

  // Buffers that conflict with `buffer`, ascending, each with its forbidden displacements.
  std::span<const Entry> of(BufferId buffer) const { return entries_[buffer]; }
  std::span<const Displacements> displacements(const Entry& entry) const {
    return std::span<const Displacements>(displacements_).subspan(entry.begin, entry.end - entry.begin);
  }
  // Every entry's displacements, back to back: entry.begin and entry.end index into it.
  std::span<const Displacements> all_displacements() const { return displacements_; }

 private:
  std::vector<std::vector<Entry>> entries_;  // per buffer
  std::vector<Displacements> displacements_;
};

}  // namespace tetris::memmgr
