#include "memmgr/greedy_by_size_planner.h"

#include <algorithm>
#include <numeric>

#include "memmgr/buffer_placement.h"
#include "memmgr/plan_validator.h"

namespace tetris::memmgr {

PlanResult plan_greedy_by_size(const Problem& problem, const PlannerOptions&) {
  const auto buffers = problem.buffers();
  std::vector<BufferId> order(buffers.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](BufferId a, BufferId b) { return buffers[a].size > buffers[b].size; });
  PlanResult result{.planner = "greedy-size"};
  result.offsets = place_in_order(problem, buffer_conflict_lists(problem), order, FitRule::best_fit);
  result.peak = plan_peak(problem, result.offsets);
  return result;
}

}  // namespace tetris::memmgr
