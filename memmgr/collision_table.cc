#include "memmgr/collision_table.h"

#include <algorithm>

namespace tetris::memmgr {

CollisionTable::CollisionTable(const Problem& problem) : entries_(problem.buffers().size()) {
  // Piece p of b at base(b) + p.offset overlaps piece q of o at base(o) + q.offset exactly when
  // base(b) - base(o) lies in (q.offset - p.offset - p.size, q.offset + q.size - p.offset).
  const auto pieces = problem.pieces();
  std::vector<std::pair<BufferId, Displacements>> pairs;
  for (BufferId b = 0; b < problem.buffers().size(); ++b) {
    pairs.clear();
    for (const Piece& p : problem.pieces_of(b)) {
      const PieceId pid = static_cast<PieceId>(&p - pieces.data());
      const auto p_offset = static_cast<std::int64_t>(p.offset), p_size = static_cast<std::int64_t>(p.size);
      for (const PieceRange& run : problem.conflict_runs(pid))
        for (PieceId q = run.begin; q < run.end; ++q) {
          const auto q_offset = static_cast<std::int64_t>(pieces[q].offset), q_size = static_cast<std::int64_t>(pieces[q].size);
          const Displacements interval{q_offset - p_offset - p_size + 1, q_offset + q_size - p_offset};
          // Neighbouring pieces of a run usually give overlapping intervals: merge them here so
          // `pairs` grows with runs rather than with piece pairs.
          if (!pairs.empty() && pairs.back().first == pieces[q].buffer && interval.first <= pairs.back().second.second &&
              pairs.back().second.first <= interval.second) {
            pairs.back().second.first = std::min(pairs.back().second.first, interval.first);
            pairs.back().second.second = std::max(pairs.back().second.second, interval.second);
          } else {
            pairs.push_back({pieces[q].buffer, interval});
          }
        }
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
  }
}

}  // namespace tetris::memmgr
