#include "workloads/sync_plan.h"

#include <algorithm>

namespace tetris::workloads {

SyncPlan plan_sync(const WorkPlan& work, SyncMode mode) {
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
  for (std::uint32_t s = 0; s < n; ++s) {
    // Reads first: a step never waits for its own stores.
    for (const WorkItem& item : work.items[s])
      for (CoreId c = 0; c < cores; ++c) {
        if (item.regions[c].empty()) continue;
        for (const Box& rb : region_boxes(item.regions[c], item.out.shape))
          for (std::size_t i = 0; i < item.in.size(); ++i) {
            const Box b = footprint(item, i, rb);
            if (b.empty()) continue;
            const Box tb = tensor_box(item.in[i], b);
            for (const WriteRecord& w : plan.writes[item.in[i].tensor])
              if (w.core != c && w.box.intersects(tb)) add_need(s, c, {w.core, w.step});
          }
      }
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
