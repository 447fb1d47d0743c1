#include "sim/memory_arbiter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <random>
#include <tuple>

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


// The policy beat by beat, as the docs state it: in each cycle, the requests arriving then join
// the back of the ring (in key order), then the one at the front gets a beat and goes to the
// back, or leaves when that was its last.
struct Request {
  std::uint64_t tag, key;
  Cycles arrival, beats;
};
std::vector<MemoryArbiter::Completion> reference(std::vector<Request> requests) {
  std::sort(requests.begin(), requests.end(),
            [](const Request& a, const Request& b) { return std::tie(a.arrival, a.key) < std::tie(b.arrival, b.key); });
  std::vector<MemoryArbiter::Completion> done;
  std::deque<std::pair<std::uint64_t, Cycles>> ring;  // tag, beats left
  std::size_t next = 0;
  for (Cycles t = 0; next < requests.size() || !ring.empty(); ++t) {
    for (; next < requests.size() && requests[next].arrival == t; ++next)
      ring.emplace_back(requests[next].tag, std::max<Cycles>(requests[next].beats, 1));
    if (ring.empty()) continue;
    auto front = ring.front();
    ring.pop_front();
    if (--front.second == 0) {
      done.push_back({front.first, t + 1});
    } else {
      ring.push_back(front);
    }
  }
  return done;
}

TEST(MemoryArbiter, MatchesTheBeatByBeatPolicyOnRandomTraffic) {
  std::mt19937_64 random(42);
  for (int round = 0; round < 300; ++round) {
    const int streams = 1 + static_cast<int>(random() % 40);
    const Cycles latency = random() % 20;
    const Cycles max_beats = 1 + random() % 70;
    // Each stream issues its next request when its previous one completes (like a core's unit),
    // so requests are added while the arbiter runs, at arrival >= now.
    MemoryArbiter arbiter;
    std::vector<Request> requests;
    std::vector<int> left(static_cast<std::size_t>(streams), 1 + static_cast<int>(random() % 6));
    std::uint64_t next_tag = 0;
    auto issue = [&](int stream, Cycles at) {
      const Request r{next_tag++, static_cast<std::uint64_t>(stream), at + latency + random() % 3,
                      random() % (max_beats + 1)};
      requests.push_back(r);
      arbiter.add(r.tag, r.key, r.arrival, r.beats);
    };
    std::vector<int> stream_of;
    for (int s = 0; s < streams; ++s) stream_of.push_back(s), issue(s, random() % 50);
    std::vector<MemoryArbiter::Completion> got;
    Cycles t = 0;
    while (!arbiter.idle()) {
      t += 1 + random() % 30;  // advance in random pieces
      const std::size_t before = got.size();
      arbiter.advance(t, got);
      for (std::size_t i = before; i < got.size(); ++i) {
        const int s = stream_of[got[i].tag];
        if (--left[static_cast<std::size_t>(s)] > 0) stream_of.push_back(s), issue(s, t);
      }
    }
    const auto expected = reference(requests);
    ASSERT_EQ(got.size(), expected.size()) << "round " << round;
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].tag, expected[i].tag) << "round " << round << ", completion " << i;
      EXPECT_EQ(got[i].at, expected[i].at) << "round " << round << ", completion " << i;
    }
  }
}

}  // namespace
}  // namespace tetris::sim
