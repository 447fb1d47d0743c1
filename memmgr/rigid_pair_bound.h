// A lower bound that knows buffers are rigid: every plan places each pair of conflicting
// buffers somewhere, so its peak is at least the narrowest span those two can share.
#pragma once

#include <optional>

#include "memmgr/collision_table.h"
#include "memmgr/problem.h"

namespace tetris::memmgr {

struct PairBound {
  Offset bytes = 0;
  BufferId a = 0, b = 0;  // the pair that needs the most room
};

// The maximum, over pairs of conflicting buffers, of the least max(end) - min(base) over the
// displacements at which no conflicting pieces of the two overlap. Alignment is ignored, which
// only loosens it. Live bytes at one moment ignore rigidity: a tensor whose first rows die early
// still occupies one contiguous range, so this bound can exceed the live-bytes bound (and does,
// when a layer's input and output are both large). std::nullopt without conflicting buffers.
std::optional<PairBound> rigid_pair_bound(const Problem& problem, const CollisionTable& collisions);

}  // namespace tetris::memmgr
