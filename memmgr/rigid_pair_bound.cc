#include "memmgr/rigid_pair_bound.h"

#include <algorithm>
#include <iterator>

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

std::optional<PairBound> rigid_pair_bound(const Problem& problem, const CollisionTable& collisions, Offset above) {
  const auto buffers = problem.buffers();
  const std::size_t n = buffers.size();
  // The narrowest span of every conflicting pair; a pair that cannot overlap by a byte (every
  // overlapping displacement makes conflicting pieces meet) spans the sum of its sizes.
  struct Pair {
    BufferId a, b;
    Offset span;
  };
  std::vector<Pair> pairs;
  std::vector<std::vector<BufferId>> apart_of(n);  // ascending (see below)
  for (BufferId a = 0; a < n; ++a)
    for (const CollisionTable::Entry& entry : collisions.of(a)) {
      const BufferId b = entry.other;
      if (b < a) continue;  // each pair once: the table is symmetric
      const auto span = static_cast<Offset>(narrowest_span(collisions.displacements(entry),
                                                           static_cast<std::int64_t>(buffers[a].size),
                                                           static_cast<std::int64_t>(buffers[b].size)));
      pairs.push_back({a, b, span});
      if (span == buffers[a].size + buffers[b].size) {  // a's list gets the b < a first, then its own
        apart_of[a].push_back(b);
        apart_of[b].push_back(a);
      }
    }
  // A pair can add at most the buffers apart from both, so span + min(apart bytes of a, of b)
  // bounds what it reaches. Pairs are visited by that estimate, most first, until none left can
  // beat the best (or `above`); ties go to the earlier pair, as a plain scan would.
  std::vector<Offset> apart_bytes(n, 0);
  for (BufferId x = 0; x < n; ++x)
    for (const BufferId y : apart_of[x]) apart_bytes[x] += buffers[y].size;
  std::vector<std::pair<Offset, std::uint32_t>> estimates(pairs.size());
  for (std::uint32_t i = 0; i < pairs.size(); ++i)
    estimates[i] = {pairs[i].span + std::min(apart_bytes[pairs[i].a], apart_bytes[pairs[i].b]), i};
  std::sort(estimates.begin(), estimates.end(), [](const auto& x, const auto& y) {
    return x.first != y.first ? x.first > y.first : x.second < y.second;
  });
  std::vector<std::uint32_t> size_rank(n);  // K is taken largest first, ties by id
  {
    std::vector<BufferId> by_size(n);
    for (BufferId b = 0; b < n; ++b) by_size[b] = b;
    std::stable_sort(by_size.begin(), by_size.end(), [&](BufferId x, BufferId y) { return buffers[x].size > buffers[y].size; });
    for (std::uint32_t r = 0; r < n; ++r) size_rank[by_size[r]] = r;
  }
  std::optional<PairBound> best;
  std::uint32_t best_index = 0;
  std::vector<BufferId> common, chosen;
  // apart_from_chosen[k] counts the members of K that k lies apart from: k may join K when it
  // lies apart from all of them. Kept at zero between pairs.
  std::vector<std::uint32_t> apart_from_chosen(n, 0);
  std::uint64_t work = 0;
  for (const auto& [estimate, index] : estimates) {
    if (estimate <= above || (best && estimate < best->bytes) || work > kRigidPairWork) break;
    const Pair& pair = pairs[index];
    common.clear();
    std::set_intersection(apart_of[pair.a].begin(), apart_of[pair.a].end(), apart_of[pair.b].begin(),
                          apart_of[pair.b].end(), std::back_inserter(common));
    std::sort(common.begin(), common.end(), [&](BufferId x, BufferId y) { return size_rank[x] < size_rank[y]; });
    work += apart_of[pair.a].size() + apart_of[pair.b].size();
    Offset bytes = pair.span;
    chosen.clear();
    for (const BufferId k : common) {
      if (apart_from_chosen[k] != chosen.size()) continue;
      chosen.push_back(k);
      bytes += buffers[k].size;
      for (const BufferId y : apart_of[k]) ++apart_from_chosen[y];
      work += apart_of[k].size();
    }
    for (const BufferId k : chosen)
      for (const BufferId y : apart_of[k]) apart_from_chosen[y] = 0;
    if (bytes <= above) continue;
    if (!best || bytes > best->bytes || (bytes == best->bytes && index < best_index)) {
      best = PairBound{bytes, pair.a, pair.b, chosen};
      best_index = index;
    }
  }
  return best;
}

}  // namespace tetris::memmgr
