// Helpers shared by the greedy baselines: which buffers conflict, and where a buffer fits among
// the already placed ones it conflicts with (first fit and best fit over interior gaps).
#pragma once

#include <span>
#include <vector>

#include "memmgr/problem.h"

namespace tetris::memmgr {

// Buffer-level conflicts: buffer a conflicts with b when any of their pieces do. For interval
// problems that is exactly "their lifespans overlap"; for multi-piece buffers it treats each
// buffer as one rigid block, which is how tensor-granularity planners see them.
std::vector<std::vector<BufferId>> buffer_conflict_lists(const Problem& problem);

// An address range [begin, end) taken by a placed buffer.
struct Extent {
  Offset begin = 0;
  Offset end = 0;
};

Offset align_up(Offset value, Offset alignment);

// Lowest aligned offset from 0 up whose [offset, offset+size) misses every extent, scanning gaps
// in address order (TFLite Micro's rule). `extents` must be sorted by begin.
Offset first_fit(std::span<const Extent> extents, Offset size, Offset alignment);

// The smallest interior gap that holds `size`, lowest offset on ties; above the highest extent
// only if none does (TFLite GPU greedy-by-size and XLA best fit). `extents` sorted by begin.
Offset best_fit(std::span<const Extent> extents, Offset size, Offset alignment);

enum class FitRule { first_fit, best_fit };

// Places whole buffers one by one in `order`, each by `rule` among the placed buffers it
// conflicts with (`conflicts` from buffer_conflict_lists). Returns offsets per buffer.
std::vector<Offset> place_in_order(const Problem& problem, const std::vector<std::vector<BufferId>>& conflicts,
                                   std::span<const BufferId> order, FitRule rule);

}  // namespace tetris::memmgr
