// A lower bound that knows buffers are rigid: every plan places each pair of conflicting
// buffers somewhere, so its peak is at least the narrowest span those two can share, plus the
// sizes of buffers that must lie apart from both of them and from each other.
#pragma once

#include <optional>
#include <vector>

#include "memmgr/collision_table.h"
#include "memmgr/problem.h"

namespace tetris::memmgr {

struct PairBound {
  Offset bytes = 0;
  BufferId a = 0, b = 0;         // the pair that needs the most room
  std::vector<BufferId> apart;  // buffers that add their whole size to it
};

// The maximum, over pairs of conflicting buffers a, b, of the least max(end) - min(base) over the
// displacements at which no conflicting pieces of the two overlap, plus the sizes of a set K of
// buffers that must lie apart from a, from b and from each other: two buffers must lie apart when
// every displacement at which they would share a byte makes conflicting pieces meet (their
// narrowest span is the sum of their sizes), whether or not every piece pair conflicts (under
// point-to-point sync a tensor's first and last rows often conflict with a neighbour's while its
// middle does not). Why that is valid: the union of a and b covers at least their narrowest span
// of bytes (if they overlap, the union is their span; if not, it is s_a + s_b, no less than any
// span), and the members of K overlap none of it nor each other, so any plan's peak is at least
// the sum. K is chosen greedily (largest first), which only loosens it. Alignment is ignored, likewise. Live bytes at one moment ignore rigidity: a tensor whose first rows die early
// still occupies one contiguous range, so this bound can exceed the live-bytes bound (and does,
// when a layer's input and output are both large). Only bounds above `above` are looked for (a
// caller that has a bound already passes it, and most pairs are then never examined):
// std::nullopt when no pair exceeds it, or without conflicting buffers. Memory grows with the
// conflicting buffer pairs, never with the square of the buffers. Pairs are tried most promising
// first, and the search stops after kRigidPairWork steps: the bound is then still valid (a
// maximum over fewer pairs), possibly lower, and the same on every machine.
inline constexpr std::uint64_t kRigidPairWork = std::uint64_t{1} << 28;
std::optional<PairBound> rigid_pair_bound(const Problem& problem, const CollisionTable& collisions, Offset above = 0);

}  // namespace tetris::memmgr
