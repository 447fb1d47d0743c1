#include "memmgr/naive_planner.h"

#include "memmgr/buffer_placement.h"
#include "memmgr/plan_validator.h"

namespace tetris::memmgr {

PlanResult plan_naive(const Problem& problem, const PlannerOptions&) {
  PlanResult result{.planner = "naive"};
  Offset top = 0;
  for (const Buffer& buffer : problem.buffers()) {
    const Offset base = align_up(top, buffer.alignment);
    result.offsets.push_back(base);
    top = base + buffer.size;
  }
  result.peak = plan_peak(problem, result.offsets);
  return result;
}

}  // namespace tetris::memmgr
