// The plan checker's parts without the kernel: shadow memory, liveness tracking, the monitor.
#include <gtest/gtest.h>

#include "common/trace_io.h"
#include "sim/access_monitor.h"
#include "sim/liveness_tracker.h"
#include "sim/shadow_memory.h"
#include "sim_test_util.h"

namespace tetris::sim {
namespace {

std::vector<std::tuple<std::uint64_t, std::uint64_t, TensorId>> pieces(const ShadowMemory& m, std::uint64_t begin,
                                                                       std::uint64_t end) {
  std::vector<std::tuple<std::uint64_t, std::uint64_t, TensorId>> out;
  m.read(begin, end, [&](std::uint64_t b, std::uint64_t e, const Writer& w) { out.emplace_back(b, e, w.tensor); });
  return out;
}

Writer by(TensorId t) {
  Writer w;
  w.tensor = t;
  return w;
}

TEST(ShadowMemory, WritesSplitAndReplaceIntervals) {
  ShadowMemory m;
  m.write(0, 100, by(1));
  m.write(40, 60, by(2));   // inside one segment
  m.write(90, 120, by(3));  // across an end
  using P = std::vector<std::tuple<std::uint64_t, std::uint64_t, TensorId>>;
  EXPECT_EQ(pieces(m, 0, 130), (P{{0, 40, 1}, {40, 60, 2}, {60, 90, 1}, {90, 120, 3}, {120, 130, kNoTensor}}));
  m.write(30, 95, by(4));  // across several
  EXPECT_EQ(pieces(m, 20, 100), (P{{20, 30, 1}, {30, 95, 4}, {95, 100, 3}}));
  EXPECT_EQ(m.segment_count(), 3u);
  EXPECT_EQ(pieces(m, 200, 210), (P{{200, 210, kNoTensor}}));
}

TEST(LivenessTracker, PeakCountsBytesBetweenFirstWriteAndLastAccess) {
  const Program program = read_trace(R"(tetris-trace 1
cores 1
element_bytes 2
tensor 0 in 100 input -
tensor 1 a 1000 activation -
tensor 2 b 1000 activation -
tensor 3 out 10 output -
tensor 4 w 5000 weight -
)",
                                     "t");
  LivenessTracker live(program);
  live.read(0, 0, 100, 0, 10);      // input live [0, 10)
  live.write(1, 0, 1000, 10);       // a live [10, 50)
  live.read(1, 0, 500, 30, 40);
  live.read(1, 500, 1000, 40, 50);
  live.write(2, 0, 1000, 45);       // b live [45, 60): overlaps a's second half only
  live.read(2, 0, 1000, 55, 60);
  live.write(3, 0, 10, 60);         // out live from 60 to past the end
  // At 45..50: a's second half (500) + b (1000) + out? no. a's first half died at 40.
  EXPECT_EQ(live.peak_live_bytes(100), 1500u);
}

TEST(AccessMonitor, ReportsALoadWhoseBytesAnotherTensorOverwrote) {
  const Program program = read_trace(R"(tetris-trace 1
cores 2
element_bytes 2
tensor 0 x 256 input -
tensor 1 y 256 activation -
core 0
load 0 0 256 nbin
core 1
store 1 0 128 nbout
)",
                                     "t");
  const MachineConfig config = testing::machine(2);
  const AddressMap addresses = AddressMap::from_plan(program, config, testing::plan({{"x", 0}, {"y", 64}}), "p");
  AccessMonitor monitor(program, addresses);
  monitor.record({5, 5, 1, 0, 9, 1, TensorRange::contiguous(0, 128), true});    // y over x's [64, 192)
  monitor.record({10, 0, 0, 0, 7, 0, TensorRange::contiguous(0, 256), false});  // x read until 10
  monitor.finish(10);
  ASSERT_EQ(monitor.conflict_count(), 1u);
  const Conflict& c = monitor.conflicts()[0];
  EXPECT_EQ(c.kind, Conflict::Kind::overwritten);
  EXPECT_EQ(c.cycle, 10u);
  EXPECT_EQ(c.line, 7u);
  EXPECT_EQ(c.tensor, 0u);
  EXPECT_EQ(c.writer.tensor, 1u);
  EXPECT_EQ(c.writer.line, 9u);
  EXPECT_EQ(c.address_begin, 64u);
  EXPECT_EQ(c.address_end, 192u);
  EXPECT_EQ(c.bytes, 128u);
}

TEST(AccessMonitor, ALoadEndingWhenTheStoreIssuesIsSafeWhateverTheCallOrder) {
  const Program program = read_trace(R"(tetris-trace 1
cores 2
element_bytes 2
tensor 0 x 256 input -
tensor 1 y 256 activation -
)",
                                     "t");
  const MachineConfig config = testing::machine(2);
  const AddressMap addresses = AddressMap::from_plan(program, config, testing::plan({{"x", 0}, {"y", 0}}), "p");
  AccessMonitor monitor(program, addresses);
  monitor.record({10, 10, 1, 0, 9, 1, TensorRange::contiguous(0, 256), true});   // store issued at 10
  monitor.record({10, 0, 0, 0, 7, 0, TensorRange::contiguous(0, 256), false});   // load done at 10
  monitor.finish(10);
  EXPECT_EQ(monitor.conflict_count(), 0u);
}

TEST(AccessMonitor, ReportsReadsOfBytesNobodyWrote) {
  const Program program = read_trace(R"(tetris-trace 1
cores 1
element_bytes 2
tensor 0 a 256 activation -
)",
                                     "t");
  const MachineConfig config = testing::machine(1);
  const AddressMap addresses = AddressMap::naive(program, config, "t");
  AccessMonitor monitor(program, addresses);
  monitor.record({0, 0, 0, 0, 3, 0, TensorRange::contiguous(0, 64), true});
  monitor.record({9, 1, 0, 1, 4, 0, {0, 32, 128, 2}, false});  // rows [0, 32) and [128, 160)
  monitor.finish(9);
  ASSERT_EQ(monitor.conflict_count(), 1u);
  EXPECT_EQ(monitor.uninitialised_count(), 1u);
  EXPECT_EQ(monitor.conflicts()[0].address_begin, 128u);
  EXPECT_EQ(monitor.conflicts()[0].bytes, 32u);
}

}  // namespace
}  // namespace tetris::sim
