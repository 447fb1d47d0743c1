#include "memmgr/xla_best_fit_planner.h"

#include <algorithm>
#include <numeric>

#include "memmgr/buffer_placement.h"
#include "memmgr/plan_validator.h"

namespace tetris::memmgr {

PlanResult plan_xla_best_fit(const Problem& problem, const PlannerOptions&) {
  const auto buffers = problem.buffers();
  const auto conflicts = buffer_conflict_lists(problem);
  std::vector<BufferId> spatial(buffers.size());
  std::iota(spatial.begin(), spatial.end(), 0);
  std::vector<BufferId> temporal = spatial;
  std::sort(spatial.begin(), spatial.end(), [&](BufferId a, BufferId b) {
    if (buffers[a].size != buffers[b].size) return buffers[a].size > buffers[b].size;
    if (buffers[a].lifespan.length() != buffers[b].lifespan.length())
      return buffers[a].lifespan.length() > buffers[b].lifespan.length();
    return a < b;
  });
  std::sort(temporal.begin(), temporal.end(), [&](BufferId a, BufferId b) {
    if (buffers[a].lifespan.length() != buffers[b].lifespan.length())
      return buffers[a].lifespan.length() > buffers[b].lifespan.length();
    if (buffers[a].size != buffers[b].size) return buffers[a].size > buffers[b].size;
    return a < b;
  });
  PlanResult result{.planner = "xla-best-fit"};
  auto spatial_offsets = place_in_order(problem, conflicts, spatial, FitRule::best_fit);
  auto temporal_offsets = place_in_order(problem, conflicts, temporal, FitRule::best_fit);
  const Offset spatial_peak = plan_peak(problem, spatial_offsets);
  const Offset temporal_peak = plan_peak(problem, temporal_offsets);
  const bool spatial_wins = spatial_peak <= temporal_peak;
  result.offsets = spatial_wins ? std::move(spatial_offsets) : std::move(temporal_offsets);
  result.peak = spatial_wins ? spatial_peak : temporal_peak;
  result.notes = spatial_wins ? "spatial order" : "temporal order";
  return result;
}

}  // namespace tetris::memmgr
