#include "memmgr/placement_decoder.h"

#include <algorithm>

namespace tetris::memmgr {

PlacementDecoder::PlacementDecoder(const Problem& problem)
    : problem_(problem), collisions_(problem.buffers().size()), placed_stamp_(problem.buffers().size(), 0) {
  // Piece p of b at base(b) + p.offset overlaps piece q of o at base(o) + q.offset exactly when
  // base(b) - base(o) lies in (q.offset - p.offset - p.size, q.offset + q.size - p.offset).
  const auto pieces = problem.pieces();
  std::vector<std::pair<std::int64_t, std::int64_t>> scratch;
  std::vector<std::pair<BufferId, std::pair<std::int64_t, std::int64_t>>> pairs;
  for (BufferId b = 0; b < problem.buffers().size(); ++b) {
    pairs.clear();
    for (const Piece& p : problem.pieces_of(b)) {
      const PieceId pid = static_cast<PieceId>(&p - pieces.data());
      const auto p_offset = static_cast<std::int64_t>(p.offset), p_size = static_cast<std::int64_t>(p.size);
      for (const PieceRange& run : problem.conflict_runs(pid))
        for (PieceId q = run.begin; q < run.end; ++q) {
          const auto q_offset = static_cast<std::int64_t>(pieces[q].offset), q_size = static_cast<std::int64_t>(pieces[q].size);
          const std::pair<std::int64_t, std::int64_t> interval{q_offset - p_offset - p_size + 1, q_offset + q_size - p_offset};
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
        const auto interval = pairs[i].second;
        if (displacements_.size() > begin && interval.first <= displacements_.back().second)
          displacements_.back().second = std::max(displacements_.back().second, interval.second);
        else
          displacements_.push_back(interval);
      }
      collisions_[b].push_back({other, begin, static_cast<std::uint32_t>(displacements_.size())});
    }
  }
}

Offset PlacementDecoder::lowest_base(BufferId buffer, std::span<const Offset> offsets) {
  const Buffer& b = problem_.buffers()[buffer];
  forbidden_.clear();
  for (const Collisions& c : collisions_[buffer]) {
    if (placed_stamp_[c.other] != stamp_) continue;
    const auto base = static_cast<std::int64_t>(offsets[c.other]);
    for (std::uint32_t i = c.begin; i < c.end; ++i) {
      const std::int64_t hi = base + displacements_[i].second;
      if (hi <= 0) continue;
      forbidden_.emplace_back(std::max<std::int64_t>(0, base + displacements_[i].first), hi);
    }
  }
  std::sort(forbidden_.begin(), forbidden_.end());
  // Sweep in order of lo: the candidate is never inside a processed interval (moving it past one
  // cannot land it in an earlier one, which would then have contained it already).
  const auto alignment = static_cast<std::int64_t>(b.alignment);
  std::int64_t candidate = 0;
  for (const auto& [lo, hi] : forbidden_) {
    if (lo > candidate) break;
    if (candidate < hi) candidate = (hi + alignment - 1) / alignment * alignment;
  }
  return static_cast<Offset>(candidate);
}

Offset PlacementDecoder::decode(std::span<const BufferId> order, std::span<Offset> offsets,
                                std::size_t reuse_prefix) {
  if (++stamp_ == 0) {  // wrapped: clear the stamps once every 2^32 decodes
    std::fill(placed_stamp_.begin(), placed_stamp_.end(), 0);
    stamp_ = 1;
  }
  const auto buffers = problem_.buffers();
  Offset peak = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const BufferId b = order[i];
    if (i >= reuse_prefix) offsets[b] = lowest_base(b, offsets);
    placed_stamp_[b] = stamp_;
    peak = std::max(peak, offsets[b] + buffers[b].size);
  }
  return peak;
}

}  // namespace tetris::memmgr
