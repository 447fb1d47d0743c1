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
  const auto buffers = problem.buffers();
  const std::size_t n = buffers.size();
  // The narrowest span of every conflicting pair; a pair that cannot overlap by a byte (every
  // overlapping displacement makes conflicting pieces meet) spans the sum of its sizes.
  struct Pair {
    BufferId a, b;
    Offset span;
  };
  std::vector<Pair> pairs;
  std::vector<bool> apart_pair(n * n, false);
  for (BufferId a = 0; a < n; ++a)
    for (const CollisionTable::Entry& entry : collisions.of(a)) {
      const BufferId b = entry.other;
      if (b < a) continue;  // each pair once: the table is symmetric
      const auto span = static_cast<Offset>(narrowest_span(collisions.displacements(entry),
                                                           static_cast<std::int64_t>(buffers[a].size),
                                                           static_cast<std::int64_t>(buffers[b].size)));
      pairs.push_back({a, b, span});
      apart_pair[a * n + b] = apart_pair[b * n + a] = span == buffers[a].size + buffers[b].size;
    }
  std::vector<BufferId> by_size(n);
  for (BufferId b = 0; b < n; ++b) by_size[b] = b;
  std::stable_sort(by_size.begin(), by_size.end(), [&](BufferId x, BufferId y) { return buffers[x].size > buffers[y].size; });
  std::optional<PairBound> best;
  std::vector<BufferId> apart;
  for (const Pair& pair : pairs) {
    Offset bytes = pair.span;
    apart.clear();
    for (const BufferId k : by_size) {
      if (!apart_pair[k * n + pair.a] || !apart_pair[k * n + pair.b]) continue;
      if (std::all_of(apart.begin(), apart.end(), [&](BufferId m) { return apart_pair[k * n + m]; })) {
        apart.push_back(k);
        bytes += buffers[k].size;
      }
    }
    if (!best || bytes > best->bytes) best = PairBound{bytes, pair.a, pair.b, apart};
  }
  return best;
}

}  // namespace tetris::memmgr
