#include "memmgr/greedy_by_breadth_planner.h"

#include <algorithm>
#include <map>

#include "memmgr/buffer_placement.h"
#include "memmgr/plan_validator.h"

namespace tetris::memmgr {

PlanResult plan_greedy_by_breadth(const Problem& problem, const PlannerOptions&) {
  const auto buffers = problem.buffers();
  // Moments and who is live at each, from a sweep over buffer lifespans.
  std::vector<TimeValue> moments;
  for (const Buffer& b : buffers) moments.push_back(b.lifespan.lower);
  std::sort(moments.begin(), moments.end());
  moments.erase(std::unique(moments.begin(), moments.end()), moments.end());
  std::vector<std::vector<BufferId>> live(moments.size());
  std::vector<Offset> breadth(moments.size(), 0);
  for (BufferId b = 0; b < buffers.size(); ++b) {
    auto first = std::lower_bound(moments.begin(), moments.end(), buffers[b].lifespan.lower);
    for (auto it = first; it != moments.end() && *it < buffers[b].lifespan.upper; ++it) {
      live[it - moments.begin()].push_back(b);
      breadth[it - moments.begin()] += buffers[b].size;
    }
  }
  std::vector<std::size_t> by_breadth(moments.size());
  for (std::size_t i = 0; i < by_breadth.size(); ++i) by_breadth[i] = i;
  std::stable_sort(by_breadth.begin(), by_breadth.end(),
                   [&](std::size_t a, std::size_t b) { return breadth[a] > breadth[b]; });
  std::vector<BufferId> order;
  std::vector<bool> queued(buffers.size(), false);
  for (std::size_t m : by_breadth) {
    auto& profile = live[m];
    std::stable_sort(profile.begin(), profile.end(),
                     [&](BufferId a, BufferId b) { return buffers[a].size > buffers[b].size; });
    for (BufferId b : profile)
      if (!queued[b]) queued[b] = true, order.push_back(b);
  }
  for (BufferId b = 0; b < buffers.size(); ++b)  // zero-length lifespans are live at no moment
    if (!queued[b]) order.push_back(b);
  PlanResult result{.planner = "greedy-breadth"};
  result.offsets = place_in_order(problem, buffer_conflict_lists(problem), order, FitRule::best_fit);
  result.peak = plan_peak(problem, result.offsets);
  return result;
}

}  // namespace tetris::memmgr
