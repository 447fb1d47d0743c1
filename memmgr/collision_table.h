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

  // A whole buffer (one piece from offset 0 to its size, and so every buffer it conflicts with)
  // collides with another at exactly the displacements (-size, other's size): its conflicting
  // buffers alone, in entry order, say all, and a decoder reads 4 bytes a visit instead of 28
  // (MiniMalloc-style interval problems, where the decoder's time is its memory traffic).
  bool whole(BufferId buffer) const { return !whole_others_[buffer].empty() || entries_[buffer].empty(); }
  std::span<const BufferId> whole_others(BufferId buffer) const { return whole_others_[buffer]; }
  // Buffer sizes, compact, for whole buffers' displacements.
  std::span<const std::int64_t> sizes() const { return sizes_; }

 private:
  std::vector<std::vector<Entry>> entries_;  // per buffer
  std::vector<Displacements> displacements_;
  std::vector<std::vector<BufferId>> whole_others_;  // per buffer: empty unless whole
  std::vector<std::int64_t> sizes_;
};

}  // namespace tetris::memmgr
