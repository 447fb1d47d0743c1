#include "sim/sync_unit.h"

#include <gtest/gtest.h>

#include "common/trace_io.h"
#include "sim_test_util.h"

namespace tetris::sim {
namespace {

const char* kTrace = R"(tetris-trace 1
cores 3
element_bytes 2
tensor 0 x 64 input -
core 0
barrier 0 all
signal 5
core 1
barrier 0 all
wait 5
core 2
barrier 0 all
)";

TEST(SyncUnit, BarrierReleasesEveryoneAfterTheLastArrivalPlusLatency) {
  const Program program = read_trace(kTrace, "t");
  const TimingModel timing(fixtures::machine(3, 64, 100, 20, 10));
  SyncUnit sync(program, timing);
  EXPECT_TRUE(sync.arrive(0, 0, 5).empty());
  EXPECT_TRUE(sync.arrive(0, 2, 30).empty());
  EXPECT_EQ(sync.describe_barrier(0), "barrier 0 has cores 0,2 arrived, waits for 1");
  const auto grants = sync.arrive(0, 1, 50);
  ASSERT_EQ(grants.size(), 3u);
  for (const auto& g : grants) EXPECT_EQ(g.at, 70u);
}

TEST(SyncUnit, WaitAfterTheSignalCompletesWhenTheSignalIsVisible) {
  const Program program = read_trace(kTrace, "t");
  SyncUnit sync(program, TimingModel(fixtures::machine(3, 64, 100, 20, 10)));
  EXPECT_FALSE(sync.signal(5, 100).has_value());
  EXPECT_EQ(sync.wait(5, 1, 104), 110u);  // visible 10 cycles after the signal
}

TEST(SyncUnit, LateSignalGrantsTheWaitingCore) {
  const Program program = read_trace(kTrace, "t");
  SyncUnit sync(program, TimingModel(fixtures::machine(3, 64, 100, 20, 10)));
  EXPECT_FALSE(sync.wait(5, 1, 10).has_value());
  EXPECT_EQ(sync.describe_semaphore(5), "this is wait #1 on semaphore 5, which core 0 has signalled 0 times");
  const auto grant = sync.signal(5, 200);
  ASSERT_TRUE(grant.has_value());
  EXPECT_EQ(grant->core, 1u);
  EXPECT_EQ(grant->at, 210u);
}

TEST(SyncUnit, TheKthWaitConsumesTheKthSignal) {
  const Program program = read_trace(kTrace, "t");
  SyncUnit sync(program, TimingModel(fixtures::machine(3, 64, 100, 20, 10)));
  sync.signal(5, 10);
  sync.signal(5, 50);
  EXPECT_EQ(sync.wait(5, 1, 0), 20u);
  EXPECT_EQ(sync.wait(5, 1, 21), 60u);
  EXPECT_FALSE(sync.wait(5, 1, 61).has_value());
}

}  // namespace
}  // namespace tetris::sim
