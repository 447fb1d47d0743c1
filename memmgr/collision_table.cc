#include "memmgr/collision_table.h"

#include <algorithm>

namespace tetris::memmgr {

CollisionTable::CollisionTable(const Problem& problem)
    : entries_(problem.buffers().size()), whole_others_(problem.buffers().size()), sizes_(problem.buffers().size()) {
  for (BufferId b = 0; b < problem.buffers().size(); ++b) sizes_[b] = static_cast<std::int64_t>(problem.buffers()[b].size);
  // Piece p of b at base(b) + p.offset overlaps piece q of o at base(o) + q.offset exactly when
  // base(b) - base(o) lies in (q.offset - p.offset - p.size, q.offset + q.size - p.offset). For
  // stretches of contiguous pieces the union over the block is one interval, from their extents:
  // a block costs one step, not one per pair.
  const auto pieces = problem.pieces();
  const auto blocks = problem.conflict_blocks();
  std::vector<std::pair<BufferId, Displacements>> pairs;
  const auto add = [&](BufferId other, std::int64_t own_begin, std::int64_t own_end, std::int64_t other_begin,
                       std::int64_t other_end) {
    pairs.push_back({other, {other_begin - own_end + 1, other_end - own_begin}});
  };
  for (BufferId b = 0; b < problem.buffers().size(); ++b) {
    pairs.clear();
    for (const std::uint32_t index : problem.blocks_of(b)) {
      const ConflictBlock& block = blocks[index];
      const bool own_is_a = problem.buffer_of(block.a) == b;
      const PieceRange own = own_is_a ? block.a : block.b, other = own_is_a ? block.b : block.a;
      const BufferId o = problem.buffer_of(other);
      if (problem.pieces_contiguous(b) && problem.pieces_contiguous(o)) {
        const auto [own_begin, own_end] = problem.extent(own);
        const auto [other_begin, other_end] = problem.extent(other);
        add(o, static_cast<std::int64_t>(own_begin), static_cast<std::int64_t>(own_end),
            static_cast<std::int64_t>(other_begin), static_cast<std::int64_t>(other_end));
        continue;
      }
      for (PieceId p = own.begin; p < own.end; ++p)
        for (PieceId q = other.begin; q < other.end; ++q)
          add(o, static_cast<std::int64_t>(pieces[p].offset), static_cast<std::int64_t>(pieces[p].offset + pieces[p].size),
              static_cast<std::int64_t>(pieces[q].offset), static_cast<std::int64_t>(pieces[q].offset + pieces[q].size));
    }
    std::sort(pairs.begin(), pairs.end());
    for (std::size_t i = 0; i < pairs.size();) {
      const BufferId other = pairs[i].first;
      const auto begin = static_cast<std::uint32_t>(displacements_.size());
      for (; i < pairs.size() && pairs[i].first == other; ++i) {
        const Displacements interval = pairs[i].second;
        if (displacements_.size() > begin && interval.first <= displacements_.back().second)
          displacements_.back().second = std::max(displacements_.back().second, interval.second);
        else
          displacements_.push_back(interval);
      }
      entries_[b].push_back({other, begin, static_cast<std::uint32_t>(displacements_.size())});
    }
    // Whole when every entry is the single interval the two buffers' sizes give.
    bool whole = !entries_[b].empty();
    for (const Entry& e : entries_[b])
      whole = whole && e.end == e.begin + 1 &&
              displacements_[e.begin] == Displacements{1 - sizes_[b], sizes_[e.other]};
    if (whole)
      for (const Entry& e : entries_[b]) whole_others_[b].push_back(e.other);
  }
}

}  // namespace tetris::memmgr
