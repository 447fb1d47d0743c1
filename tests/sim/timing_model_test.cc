#include "sim/timing_model.h"

#include <gtest/gtest.h>

#include "sim/jitter.h"
#include "sim_test_util.h"

namespace tetris::sim {
namespace {

TEST(TimingModel, ComputeRatesComeFromThePeArray) {
  const TimingModel timing(fixtures::machine(1));  // 16 PEs x 16 MACs, 16 element ops per PE
  EXPECT_EQ(timing.compute_cycles(ComputeOp::conv, 256), 1u);
  EXPECT_EQ(timing.compute_cycles(ComputeOp::fc, 257), 2u);
  EXPECT_EQ(timing.compute_cycles(ComputeOp::activation, 2048), 8u);
  EXPECT_EQ(timing.compute_cycles(ComputeOp::pool, 0), 0u);
}

TEST(TimingModel, BeatsRoundUp) {
  const TimingModel timing(fixtures::machine(1, 32));
  EXPECT_EQ(timing.beats(4096), 128u);
  EXPECT_EQ(timing.beats(4097), 129u);
  EXPECT_EQ(timing.beats(1), 1u);
}

TEST(Jitter, IsBoundedDeterministicAndOffByDefault) {
  EXPECT_EQ(Jitter().extra(100, 0, 0, JitterTarget::compute), 0u);
  const Jitter a(42), b(42), c(43);
  bool differs = false;
  Cycles max = 0;
  for (std::uint32_t i = 0; i < 1000; ++i) {
    const Cycles x = a.extra(100, 1, i, JitterTarget::memory_latency);
    EXPECT_LE(x, 100u);
    EXPECT_EQ(x, b.extra(100, 1, i, JitterTarget::memory_latency));
    differs |= x != c.extra(100, 1, i, JitterTarget::memory_latency);
    max = std::max(max, x);
  }
  EXPECT_TRUE(differs);
  EXPECT_GT(max, 90u);
  EXPECT_EQ(a.extra(0, 1, 1, JitterTarget::compute), 0u);
}

}  // namespace
}  // namespace tetris::sim
