#include "workloads/sync_plan.h"

#include <algorithm>

namespace tetris::workloads {

SyncPlan plan_sync(const WorkPlan& work, SyncMode mode, const CascadePlan& cascades) {
  const std::size_t n = work.items.size();
  const std::uint32_t cores = work.cores;
  SyncPlan plan;
  plan.needs.assign(n, std::vector<std::vector<SyncNeed>>(cores));
  plan.readers_of.assign(n, std::vector<std::vector<std::pair<CoreId, std::uint32_t>>>(cores));
  if (mode != SyncMode::p2p) return plan;
  plan.writes.resize(work.tensors.size());
  auto add_need = [&](std::uint32_t step, CoreId reader, SyncNeed need) {
    auto& needs = plan.needs[step][reader];
    if (std::find(needs.begin(), needs.end(), need) == needs.end()) needs.push_back(need);
  };
  // Per segment, per core, per step of it: the rows the core's walk computes.
  std::vector<std::vector<std::vector<CoreRegion>>> walked;
  for (const CascadeSegment& segment : cascades.segments) {
    auto& cores_of = walked.emplace_back();
    for (CoreId c = 0; c < cores; ++c) cores_of.push_back(walked_regions(work, segment, c));
  }
  for (std::uint32_t s = 0; s < n; ++s) {
    const std::int32_t in_segment = cascades.segment_of_step.empty() ? -1 : cascades.segment_of_step[s];
    const CascadeSegment* segment = in_segment < 0 ? nullptr : &cascades.segments[in_segment];
    // The part of `item` core `c` computes, and whether input `i` comes from outside the segment.
    const auto part = [&](const WorkItem& item, CoreId c) -> const CoreRegion& {
      return segment ? walked[in_segment][c][s - segment->first] : item.regions[c];
    };
    const auto from_outside = [&](std::size_t i) {
      if (!segment) return true;
      const auto& rings = segment->ring_inputs[s - segment->first];
      return std::none_of(rings.begin(), rings.end(), [&](const auto& r) { return r.first == i; });
    };
    // Reads first: a step never waits for its own stores.
    for (const WorkItem& item : work.items[s])
      for (CoreId c = 0; c < cores; ++c) {
        if (part(item, c).empty()) continue;
        for (const Box& rb : region_boxes(part(item, c), item.out.shape))
          for (std::size_t i = 0; i < item.in.size(); ++i) {
            if (!from_outside(i)) continue;
            const Box b = footprint(item, i, rb);
            if (b.empty()) continue;
            const Box tb = tensor_box(item.in[i], b);
            for (const WriteRecord& w : plan.writes[item.in[i].tensor])
              if (w.core != c && w.box.intersects(tb)) add_need(s, c, {w.core, w.step});
          }
      }
    if (segment && s != segment->last) continue;  // into rings, read by their own core only
    for (const WorkItem& item : work.items[s])
      for (CoreId c = 0; c < cores; ++c) {
        if (item.regions[c].empty()) continue;
        for (const Box& rb : region_boxes(item.regions[c], item.out.shape))
          plan.writes[item.out.tensor].push_back({c, s, tensor_box(item.out, rb)});
      }
  }
  for (std::uint32_t s = 0; s < n; ++s)
    for (CoreId c = 0; c < cores; ++c)
      for (const SyncNeed& need : plan.needs[s][c]) plan.readers_of[need.step][need.writer].push_back({c, 0});
  std::vector<std::vector<std::uint32_t>> count(cores, std::vector<std::uint32_t>(cores, 0));
  for (std::uint32_t s = 0; s < n; ++s)
    for (CoreId w = 0; w < cores; ++w) {
      auto& readers = plan.readers_of[s][w];
      std::sort(readers.begin(), readers.end());
      readers.erase(std::unique(readers.begin(), readers.end()), readers.end());
      for (auto& [reader, index] : readers) index = count[w][reader]++;
    }
  return plan;
}

}  // namespace tetris::workloads
