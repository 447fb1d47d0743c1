// Lowering stage 3 on its own: each core's stream has one barrier per barrier step, and every
// wait has its signal.
#include "workloads/stream_emitter.h"

#include <gtest/gtest.h>

#include <map>

#include "common/machine_config.h"
#include "workloads/model_loader.h"

namespace tetris::workloads {
namespace {

TEST(StreamEmitter, BarrierStreamsMeetOncePerBarrierStepInOrder) {
  const MachineConfig config = load_machine_config("cambricon-x-4core");
  const WorkPlan work = build_work_items(load_model("resnet18", {1, 2}), config, {});
  const SyncPlan sync = plan_sync(work, SyncMode::barrier);
  const auto steps = work.barrier_steps();
  for (CoreId c = 0; c < config.cores; ++c) {
    std::vector<BarrierId> seen;
    for (const Instruction& i : emit_stream(work, sync, SyncMode::barrier, c))
      if (const auto* b = std::get_if<Barrier>(&i.op)) {
        seen.push_back(b->id);
        EXPECT_EQ(i.layer, steps[b->id]);  // the barrier closes its step
      }
    ASSERT_EQ(seen.size(), steps.size());
    for (std::size_t k = 0; k < seen.size(); ++k) EXPECT_EQ(seen[k], k);
  }
}

TEST(StreamEmitter, EveryWaitHasItsSignalUnderP2p) {
  const MachineConfig config = load_machine_config("cambricon-x-16core");
  const WorkPlan work = build_work_items(load_model("googlenet", {1, 2}), config, {});
  const SyncPlan sync = plan_sync(work, SyncMode::p2p);
  std::map<SemaphoreId, std::int64_t> balance;
  std::uint64_t waits = 0;
  for (CoreId c = 0; c < config.cores; ++c)
    for (const Instruction& i : emit_stream(work, sync, SyncMode::p2p, c)) {
      if (const auto* s = std::get_if<Signal>(&i.op)) ++balance[s->semaphore];
      if (const auto* w = std::get_if<Wait>(&i.op)) {
        --balance[w->semaphore];
        ++waits;
        EXPECT_EQ(w->semaphore % config.cores, c);  // a core waits on its own semaphores only
      }
      EXPECT_FALSE(std::holds_alternative<Barrier>(i.op));
    }
  EXPECT_GT(waits, 0u);
  for (const auto& [semaphore, count] : balance) EXPECT_GE(count, 0) << "semaphore " << semaphore;
}

}  // namespace
}  // namespace tetris::workloads
