#include "memmgr/tflm_greedy_planner.h"

#include <algorithm>
#include <numeric>

#include "memmgr/buffer_placement.h"
#include "memmgr/plan_validator.h"

namespace tetris::memmgr {

PlanResult plan_tflm_greedy(const Problem& problem, const PlannerOptions&) {
  const auto buffers = problem.buffers();
  std::vector<BufferId> order(buffers.size());
  std::iota(order.rbegin(), order.rend(), 0);  // from the tail, as upstream fills its sort array
  std::stable_sort(order.begin(), order.end(),
                   [&](BufferId a, BufferId b) { return buffers[a].size > buffers[b].size; });
  PlanResult result{.planner = "tflm-greedy"};
  result.offsets = place_in_order(problem, buffer_conflict_lists(problem), order, FitRule::first_fit);
  result.peak = plan_peak(problem, result.offsets);
  return result;
}

}  // namespace tetris::memmgr
