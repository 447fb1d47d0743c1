// The plan checker's parts without the kernel: shadow memory, liveness tracking, the monitor.
#include <gtest/gtest.h>

#include "common/trace_io.h"
#include "sim/access_monitor.h"
#include "sim/liveness_tracker.h"
#include "sim/address_grid.h"
#include "sim/shadow_memory.h"
#include "sim_test_util.h"

namespace tetris::sim {
namespace {

const char* kGridTrace = R"(tetris-trace 1
cores 1
element_bytes 2
tensor 0 in 100 input -
tensor 1 a 1000 activation -
tensor 2 b 1000 activation -
tensor 3 out 10 output -
tensor 4 w 5000 weight -
core 0
load 0 0 100 nbin
store 1 0 1000 nbout
load 1 0 500 nbin
load 1 500 500 nbin
load2d 2 0 100 200 5 nbin
store 2 0 1000 nbout
store 3 0 10 nbout
)";

TEST(AddressGrid, CutsAtEveryTensorAndAccessBoundary) {
  const Program program = read_trace(kGridTrace, "t");
  const AddressMap addresses = AddressMap::naive(program, testing::machine(1), "t");
  const AddressGrid grid(program, addresses);
  // in [0,100) a [128,1128) b [1152,2152) out [2176,2186) w [2240,7240); a splits at 628, b's
  // 2-D rows at 1152+100k and 1152+200k+100 for k < 5.
  EXPECT_EQ(grid.index(0), 0u);
  EXPECT_EQ(grid.begin(grid.index(628)), 628u);
  EXPECT_EQ(grid.end(grid.index(1152)), 1252u);
  EXPECT_EQ(grid.end(grid.index(1252)), 1352u);
  EXPECT_EQ(grid.end(grid.index(1952)), 2052u);  // end of the last row
  EXPECT_EQ(grid.end(grid.index(2052)), 2152u);
  EXPECT_EQ(grid.end(grid.segment_count() - 1), 7240u);
}

TEST(ShadowMemory, ReadsVisitRunsOfOneOwner) {
  const Program program = read_trace(kGridTrace, "t");
  const AddressMap addresses = AddressMap::naive(program, testing::machine(1), "t");
  const AddressGrid grid(program, addresses);
  ShadowMemory m(grid);
  const std::uint32_t a = grid.index(128), mid = grid.index(628), end = grid.index(1128);
  m.write(a, end, Owner{1, 7});
  m.write(mid, end, Owner{2, 9});
  std::vector<std::tuple<std::uint32_t, std::uint32_t, TensorId>> runs;
  m.read(grid.index(0), end, [&](std::uint32_t f, std::uint32_t l, const Owner& o) { runs.emplace_back(f, l, o.tensor); });
  using R = std::vector<std::tuple<std::uint32_t, std::uint32_t, TensorId>>;
  EXPECT_EQ(runs, (R{{0, a, kNoTensor}, {a, mid, 1}, {mid, end, 2}}));
}

TEST(LivenessTracker, PeakCountsBytesBetweenFirstWriteAndLastAccess) {
  const Program program = read_trace(kGridTrace, "t");
  const AddressMap addresses = AddressMap::naive(program, testing::machine(1), "t");
  const AddressGrid grid(program, addresses);
  LivenessTracker live(program, addresses, grid);
  auto segs = [&](TensorId t, std::uint64_t from, std::uint64_t to) {
    return std::make_pair(grid.index(addresses.base(t) + from), grid.index(addresses.base(t) + to));
  };
  auto [i0, i1] = segs(0, 0, 100);
  live.read(0, i0, i1, 0, 10);  // in: live [0, 10)
  auto [a0, a1] = segs(1, 0, 1000);
  live.write(1, a0, a1, 10);  // a: live [10, 40) and [10, 50)
  auto [h0, h1] = segs(1, 0, 500);
  live.read(1, h0, h1, 30, 40);
  auto [g0, g1] = segs(1, 500, 1000);
  live.read(1, g0, g1, 40, 50);
  auto [b0, b1] = segs(2, 0, 1000);
  live.write(2, b0, b1, 45);  // b: live [45, 60), overlapping a's second half
  live.read(2, b0, b1, 55, 60);
  auto [o0, o1] = segs(3, 0, 10);
  live.write(3, o0, o1, 60);  // out: from 60 to past the end
  // At 45..50: a's second half (500) + b (1000).
  EXPECT_EQ(live.peak_live_bytes(100), 1500u);
}

Access access(const AddressGrid& grid, Cycles at, Cycles start, CoreId core, std::uint32_t index, TensorId tensor,
              bool write) {
  const auto [first, end] = grid.span_indices(core, index);
  return {at, start, core, index, tensor, first, end, write};
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
  const AddressGrid grid(program, addresses);
  AccessMonitor monitor(program, addresses, grid);
  monitor.record(access(grid, 10, 0, 0, 0, 0, false), 2);  // x read until 10, known at 2
  monitor.record(access(grid, 5, 5, 1, 0, 1, true), 5);     // y over x's [64, 192)
  monitor.finish(10);
  ASSERT_EQ(monitor.conflict_count(), 1u);
  const Conflict& c = monitor.conflicts()[0];
  EXPECT_EQ(c.kind, Conflict::Kind::overwritten);
  EXPECT_EQ(c.cycle, 10u);
  EXPECT_EQ(c.line, 7u);
  EXPECT_EQ(c.tensor, 0u);
  EXPECT_EQ(c.writer.tensor, 1u);
  EXPECT_EQ(c.writer.line, 9u);
  EXPECT_EQ(c.writer.core, 1u);
  EXPECT_EQ(c.writer.at, 5u);
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
core 0
load 0 0 256 nbin
core 1
store 1 0 256 nbout
)",
                                     "t");
  const MachineConfig config = testing::machine(2);
  const AddressMap addresses = AddressMap::from_plan(program, config, testing::plan({{"x", 0}, {"y", 0}}), "p");
  const AddressGrid grid(program, addresses);
  AccessMonitor monitor(program, addresses, grid);
  monitor.record(access(grid, 10, 10, 1, 0, 1, true), 10);  // store issued at 10
  monitor.record(access(grid, 10, 0, 0, 0, 0, false), 10);  // load done at 10
  monitor.finish(10);
  EXPECT_EQ(monitor.conflict_count(), 0u);
}

TEST(AccessMonitor, ReportsReadsOfBytesNobodyWrote) {
  const Program program = read_trace(R"(tetris-trace 1
cores 1
element_bytes 2
tensor 0 a 256 activation -
core 0
store 0 0 64 nbout
load2d 0 0 32 128 2 nbin
)",
                                     "t");
  const MachineConfig config = testing::machine(1);
  const AddressMap addresses = AddressMap::naive(program, config, "t");
  const AddressGrid grid(program, addresses);
  AccessMonitor monitor(program, addresses, grid);
  monitor.record(access(grid, 0, 0, 0, 0, 0, true), 0);
  monitor.record(access(grid, 9, 1, 0, 1, 0, false), 1);  // rows [0, 32) and [128, 160)
  monitor.finish(9);
  ASSERT_EQ(monitor.conflict_count(), 1u);
  EXPECT_EQ(monitor.uninitialised_count(), 1u);
  EXPECT_EQ(monitor.conflicts()[0].address_begin, 128u);
  EXPECT_EQ(monitor.conflicts()[0].bytes, 32u);
}

}  // namespace
}  // namespace tetris::sim
