// Lowering stage 2 on its own: p2p needs link exactly the cores whose bytes another reads, and
// signal indices count each writer's signals to each reader in step order.
#include "workloads/sync_plan.h"

#include <gtest/gtest.h>

#include <map>

#include "common/machine_config.h"
#include "workloads/model_loader.h"
#include "workloads/model_yaml.h"
#include "small_models.h"

namespace tetris::workloads {
namespace {

using fixtures::kTwoConvs;

TEST(SyncPlan, BarrierSyncNeedsNoPointToPointSync) {
  const Model model = parse_model_yaml(kTwoConvs, "two.yaml", {1, 2});
  const WorkPlan work = build_work_items(model, load_machine_config("cambricon-x-4core"), {});
  const SyncPlan sync = plan_sync(work, SyncMode::barrier);
  for (const auto& step : sync.needs)
    for (const auto& reader : step) EXPECT_TRUE(reader.empty());
}

TEST(SyncPlan, RowBandsWaitForTheirNeighboursOnly) {
  const Model model = parse_model_yaml(kTwoConvs, "two.yaml", {1, 2});
  const WorkPlan work = build_work_items(model, load_machine_config("cambricon-x-4core"), {});
  const SyncPlan sync = plan_sync(work, SyncMode::p2p);
  // Conv b's band on core c reads one halo row from each neighbour's band of a (step 0).
  for (CoreId c = 0; c < 4; ++c) {
    std::vector<SyncNeed> expected;
    if (c > 0) expected.push_back({c - 1, 0});
    if (c < 3) expected.push_back({c + 1, 0});
    auto needs = sync.needs[1][c];
    std::sort(needs.begin(), needs.end(), [](const SyncNeed& x, const SyncNeed& y) { return x.writer < y.writer; });
    EXPECT_EQ(needs, expected) << "core " << c;
    EXPECT_TRUE(sync.needs[0][c].empty());  // a reads the graph input only
  }
}

TEST(SyncPlan, SignalIndicesCountEachWritersSignalsToEachReaderInStepOrder) {
  const MachineConfig config = load_machine_config("cambricon-x-16core");
  const WorkPlan work = build_work_items(load_model("googlenet", {1, 2}), config, {});
  const SyncPlan sync = plan_sync(work, SyncMode::p2p);
  std::map<std::pair<CoreId, CoreId>, std::uint32_t> next;  // (writer, reader) -> expected index
  std::uint64_t links = 0;
  for (std::uint32_t s = 0; s < sync.readers_of.size(); ++s)
    for (CoreId w = 0; w < config.cores; ++w)
      for (const auto& [reader, index] : sync.readers_of[s][w]) {
        EXPECT_NE(reader, w);
        EXPECT_EQ(index, next[std::make_pair(w, reader)]++) << "step " << s << " writer " << w << " reader " << reader;
        ++links;
      }
  EXPECT_GT(links, 0u);
  // Every need has its writer's signal planned for its reader.
  for (std::uint32_t s = 0; s < sync.needs.size(); ++s)
    for (CoreId r = 0; r < config.cores; ++r)
      for (const SyncNeed& need : sync.needs[s][r]) {
        EXPECT_LT(need.step, s);
        const auto& readers = sync.readers_of[need.step][need.writer];
        EXPECT_TRUE(std::any_of(readers.begin(), readers.end(), [&](const auto& entry) { return entry.first == r; }));
      }
}

}  // namespace
}  // namespace tetris::workloads
