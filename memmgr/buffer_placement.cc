#include "memmgr/buffer_placement.h"

#include <algorithm>
#include <limits>

namespace tetris::memmgr {

std::vector<std::vector<BufferId>> buffer_conflict_lists(const Problem& problem) {
  std::vector<std::vector<BufferId>> lists(problem.buffers().size());
  for (BufferId b = 0; b < lists.size(); ++b) lists[b] = problem.conflicting_buffers(b);
  return lists;
}

Offset align_up(Offset value, Offset alignment) {
  const Offset rem = value % alignment;
  return rem == 0 ? value : value + (alignment - rem);
}

Offset first_fit(std::span<const Extent> extents, Offset size, Offset alignment) {
  Offset candidate = 0;
  for (const Extent& e : extents) {
    if (e.begin >= candidate + size) break;  // the gap below e holds it
    candidate = std::max(candidate, align_up(e.end, alignment));
  }
  return candidate;
}

Offset best_fit(std::span<const Extent> extents, Offset size, Offset alignment) {
  Offset previous = 0;
  Offset best_offset = 0, best_gap = std::numeric_limits<Offset>::max();
  bool found = false;
  for (const Extent& e : extents) {
    if (e.begin >= previous) {
      const Offset gap = e.begin - previous;
      if (gap >= size && gap < best_gap) {
        best_gap = gap;
        best_offset = previous;
        found = true;
      }
    }
    previous = std::max(previous, align_up(e.end, alignment));
  }
  return found ? best_offset : previous;
}

std::vector<Offset> place_in_order(const Problem& problem, const std::vector<std::vector<BufferId>>& conflicts,
                                   std::span<const BufferId> order, FitRule rule) {
  const auto buffers = problem.buffers();
  std::vector<Offset> offsets(buffers.size(), 0);
  std::vector<bool> placed(buffers.size(), false);
  std::vector<Extent> extents;
  for (BufferId b : order) {
    extents.clear();
    for (BufferId other : conflicts[b])
      if (placed[other]) extents.push_back({offsets[other], offsets[other] + buffers[other].size});
    std::sort(extents.begin(), extents.end(),
              [](const Extent& x, const Extent& y) { return x.begin != y.begin ? x.begin < y.begin : x.end < y.end; });
    offsets[b] = rule == FitRule::first_fit ? first_fit(extents, buffers[b].size, buffers[b].alignment)
                                            : best_fit(extents, buffers[b].size, buffers[b].alignment);
    placed[b] = true;
  }
  return offsets;
}

}  // namespace tetris::memmgr
