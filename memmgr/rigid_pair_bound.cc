#include "memmgr/rigid_pair_bound.h"

#include <algorithm>

namespace tetris::memmgr {
namespace {

// Span of buffer b (size sb) at displacement d above buffer o (size so).
std::int64_t span(std::int64_t d, std::int64_t sb, std::int64_t so) { return std::max(so, d + sb) - std::min<std::int64_t>(0, d); }

// The narrowest span over displacements outside `forbidden` (sorted, disjoint [lo, hi)).
std::int64_t narrowest_span(std::span<const Displacements> forbidden, std::int64_t sb, std::int64_t so) {
  // The span is smallest, max(sb, so), for d in [low, high] and grows linearly away from it, so
  // the answer is at the least allowed d >= low or at the greatest allowed d <= low.
  const std::int64_t low = std::min<std::int64_t>(0, so - sb), high = std::max<std::int64_t>(0, so - sb);
  std::int64_t up = low;
  for (const auto& [lo, hi] : forbidden) {
    if (hi <= up) continue;
    if (lo > up) break;
    up = hi;
  }
  if (up <= high) return std::max(sb, so);
  std::int64_t down = low;
  for (auto it = forbidden.rbegin(); it != forbidden.rend(); ++it) {
    if (it->first > down) continue;
    if (it->second <= down) break;
    down = it->first - 1;
  }
  return std::min(span(up, sb, so), span(down, sb, so));
}

}  // namespace

std::optional<PairBound> rigid_pair_bound(const Problem& problem, const CollisionTable& collisions) {
  std::optional<PairBound> best;
  const auto buffers = problem.buffers();
  for (BufferId b = 0; b < buffers.size(); ++b)
    for (const CollisionTable::Entry& entry : collisions.of(b)) {
      if (entry.other < b) continue;  // each pair once: the table is symmetric
      const auto bytes = static_cast<Offset>(narrowest_span(collisions.displacements(entry),
                                                            static_cast<std::int64_t>(buffers[b].size),
                                                            static_cast<std::int64_t>(buffers[entry.other].size)));
      if (!best || bytes > best->bytes) best = PairBound{bytes, b, entry.other};
    }
  return best;
}

}  // namespace tetris::memmgr
