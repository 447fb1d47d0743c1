#include "sim/memory_arbiter.h"

#include <gtest/gtest.h>

namespace tetris::sim {
namespace {

std::vector<MemoryArbiter::Completion> run_to_end(MemoryArbiter& arbiter) {
  std::vector<MemoryArbiter::Completion> done;
  // An arrival at `to` is admitted by the next advance: go one cycle past each event.
  while (auto next = arbiter.next_event()) arbiter.advance(*next + 1, done);
  return done;
}

TEST(MemoryArbiter, LoneRequestTakesOneCyclePerBeatAfterItsArrival) {
  MemoryArbiter arbiter;
  arbiter.add(7, 0, 100, 128);  // 4 KiB at 32 B/cycle, issued at 0 with latency 100
  const auto done = run_to_end(arbiter);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].tag, 7u);
  EXPECT_EQ(done[0].at, 228u);
  EXPECT_EQ(arbiter.busy_cycles(), 128u);
  EXPECT_TRUE(arbiter.idle());
}

TEST(MemoryArbiter, TwoStreamsShareTheBusBeatByBeat) {
  // Both arrive at 100: beats alternate 0,1,0,1,...; request 0's 128th beat is in cycle
  // 100 + 2*127 = 354 (ends 355), request 1's in 355 (ends 356).
  MemoryArbiter arbiter;
  arbiter.add(1, 1, 100, 128);  // added first, but key 1 orders it second
  arbiter.add(0, 0, 100, 128);
  const auto done = run_to_end(arbiter);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].tag, 0u);
  EXPECT_EQ(done[0].at, 355u);
  EXPECT_EQ(done[1].tag, 1u);
  EXPECT_EQ(done[1].at, 356u);
  EXPECT_EQ(arbiter.busy_cycles(), 256u);
}

TEST(MemoryArbiter, LateArrivalJoinsAtTheEndOfTheRound) {
  // A alone from 0 (10 beats); B arrives at 4 with 2 beats: A got beats 0-3, then B at 4?
  // No: B joins at the end of the round, after A's next beat: A 4, B 5, A 6, B 7 (done at 8),
  // then A alone: it had 6 beats by 8, its last 4 end at 12.
  MemoryArbiter arbiter;
  arbiter.add(0, 0, 0, 10);
  arbiter.add(1, 1, 4, 2);
  const auto done = run_to_end(arbiter);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].tag, 1u);
  EXPECT_EQ(done[0].at, 8u);
  EXPECT_EQ(done[1].tag, 0u);
  EXPECT_EQ(done[1].at, 12u);
}

TEST(MemoryArbiter, IdleGapsAreNotBusy) {
  MemoryArbiter arbiter;
  arbiter.add(0, 0, 10, 5);
  arbiter.add(1, 1, 100, 5);
  const auto done = run_to_end(arbiter);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].at, 15u);
  EXPECT_EQ(done[1].at, 105u);
  EXPECT_EQ(arbiter.busy_cycles(), 10u);
}

TEST(MemoryArbiter, AdvancingPiecewiseGivesTheSameResult) {
  MemoryArbiter whole, pieces;
  for (MemoryArbiter* a : {&whole, &pieces}) {
    a->add(0, 0, 3, 17);
    a->add(1, 1, 5, 9);
    a->add(2, 2, 5, 30);
    a->add(3, 3, 20, 1);
  }
  const auto expected = run_to_end(whole);
  std::vector<MemoryArbiter::Completion> got;
  for (Cycles t = 0; t <= 100; ++t) pieces.advance(t, got);
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].tag, expected[i].tag);
    EXPECT_EQ(got[i].at, expected[i].at);
  }
  // Work conservation: 57 beats from cycle 3 with no gap end at 60.
  EXPECT_EQ(expected.back().at, 60u);
}

}  // namespace
}  // namespace tetris::sim
