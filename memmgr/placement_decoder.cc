#include "memmgr/placement_decoder.h"

#include <algorithm>

namespace tetris::memmgr {

PlacementDecoder::PlacementDecoder(const Problem& problem)
    : problem_(problem), collisions_(problem), placed_stamp_(problem.buffers().size(), 0) {}

Offset PlacementDecoder::lowest_base(BufferId buffer, std::span<const Offset> offsets) {
  const Buffer& b = problem_.buffers()[buffer];
  forbidden_.clear();
  for (const CollisionTable::Entry& c : collisions_.of(buffer)) {
    if (placed_stamp_[c.other] != stamp_) continue;
    const auto base = static_cast<std::int64_t>(offsets[c.other]);
    for (const auto& [lo, hi] : collisions_.displacements(c)) {
      if (base + hi <= 0) continue;
      forbidden_.emplace_back(std::max<std::int64_t>(0, base + lo), base + hi);
    }
  }
  // Sweep in order of lo: the candidate is never inside a processed interval (moving it past one
  // cannot land it in an earlier one, which would then have contained it already). The sweep
  // usually stops long before the last interval, so the intervals go into a min-heap by lo
  // (linear) and only those swept are popped, instead of sorting them all.
  const auto later = [](const std::pair<std::int64_t, std::int64_t>& x, const std::pair<std::int64_t, std::int64_t>& y) {
    return x.first > y.first;
  };
  std::make_heap(forbidden_.begin(), forbidden_.end(), later);
  const auto alignment = static_cast<std::int64_t>(b.alignment);
  std::int64_t candidate = 0;
  for (auto end = forbidden_.end(); end != forbidden_.begin(); --end) {
    const auto [lo, hi] = forbidden_.front();
    if (lo > candidate) break;
    if (candidate < hi) candidate = (hi + alignment - 1) / alignment * alignment;
    std::pop_heap(forbidden_.begin(), end, later);
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
