// The plan checker's parts without the kernel: shadow memory, liveness tracking, the monitor.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

#include <fmt/format.h>

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

TEST(AddressGrid, MergesBytesThatTheSameAccessesAndTensorsCover) {
  const Program program = read_trace(kGridTrace, "t");
  const AddressMap addresses = AddressMap::naive(program, fixtures::machine(1), "t");
  const AddressGrid grid(program, addresses);
  // in [0,100) a [128,1128) b [1152,2152) out [2176,2186) w [2240,7240). Regions by lowest
  // address: in; the gaps between tensors (nothing covers them); a's halves; b's 2-D rows
  // 1152+200k; b between the rows; out; w.
  ASSERT_EQ(grid.region_count(), 8u);
  EXPECT_EQ(grid.begin(1), 100u);
  EXPECT_EQ(grid.end(1), 2240u);
  EXPECT_EQ(grid.bytes(1), 28u + 24u + 24u + 54u);
  EXPECT_EQ(grid.begin(3), 628u);
  EXPECT_EQ(grid.bytes(3), 500u);
  EXPECT_EQ(grid.begin(4), 1152u);
  EXPECT_EQ(grid.end(4), 2052u);  // end of the last row
  EXPECT_EQ(grid.bytes(4), 500u);
  EXPECT_EQ(grid.begin(5), 1252u);
  EXPECT_EQ(grid.end(5), 2152u);
  using Spans = std::vector<std::pair<std::uint32_t, std::uint32_t>>;
  auto spans = [&](std::uint32_t index) {
    Spans out;
    for (const auto& s : grid.spans(0, index)) out.emplace_back(s.first, s.last);
    return out;
  };
  EXPECT_EQ(spans(1), (Spans{{2, 4}}));  // store a
  EXPECT_EQ(spans(3), (Spans{{3, 4}}));  // load a's second half
  EXPECT_EQ(spans(4), (Spans{{4, 5}}));  // five rows, one region
  EXPECT_EQ(spans(5), (Spans{{4, 6}}));  // store b
  EXPECT_EQ(grid.tensor_regions(2).first, 4u);
  EXPECT_EQ(grid.tensor_regions(2).last, 6u);
  EXPECT_EQ(grid.tensor_regions(4).first, 7u);
}

// Regions against bytes counted one by one, on random programs (dense and sparse addresses): an access's regions hold exactly
// its bytes, two accesses share exactly the bytes of the regions they share, and no two regions
// are covered by the same accesses and tensors (the partition is the coarsest).
TEST(AddressGrid, RegionsAreTheClassesOfBytesCoveredAlike) {
  std::mt19937 random(7);
  auto draw = [&](std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(random); };
  for (int round = 0; round < 200; ++round) {
    std::string text = "tetris-trace 1\ncores 2\nelement_bytes 1\n";
    const int tensors = 1 + static_cast<int>(draw(4));
    std::vector<std::uint64_t> sizes;
    for (int t = 0; t < tensors; ++t) {
      sizes.push_back(1 + draw(300));
      text += fmt::format("tensor {} t{} {} activation -\n", t, t, sizes.back());
    }
    for (int c = 0; c < 2; ++c) {
      text += fmt::format("core {}\n", c);
      for (int i = 0, n = static_cast<int>(draw(6)); i < n; ++i) {
        const auto t = static_cast<int>(draw(tensors));
        const std::uint64_t rows = 1 + draw(4), row = 1 + draw(std::max<std::uint64_t>(1, sizes[t] / rows));
        const std::uint64_t stride = row + draw(std::max<std::uint64_t>(1, (sizes[t] - row * rows) / rows + 1));
        const std::uint64_t span = (rows - 1) * stride + row;
        if (span > sizes[t]) continue;
        const std::uint64_t offset = draw(sizes[t] - span + 1);
        text += fmt::format("{}2d {} {} {} {} {} {}\n", draw(2) ? "load" : "store", t, offset, row, stride, rows,
                            "nbin");
      }
    }
    const Program program = read_trace(text, "random");
    const MachineConfig config = fixtures::machine(2);
    // Random overlaps, like a plan; every other round spread over 512 MiB, so that the grid finds
    // its boundaries by sorting instead of in a bitmap.
    std::vector<std::pair<std::string, std::uint64_t>> bases;
    for (int t = 0; t < tensors; ++t) bases.emplace_back(fmt::format("t{}", t), 64 * draw(round % 2 ? 6 : 1 << 23));
    const AddressMap addresses = AddressMap::from_plan(program, config, fixtures::plan(bases), "p");
    const AddressGrid grid(program, addresses);

    // Every item (tensor range or access) as the set of addresses it covers.
    std::vector<std::set<std::uint64_t>> items;
    std::vector<std::set<std::uint32_t>> item_regions;
    for (TensorId t = 0; t < program.tensors.size(); ++t) {
      std::set<std::uint64_t> bytes;
      for (std::uint64_t b = 0; b < sizes[t]; ++b) bytes.insert(addresses.base(t) + b);
      items.push_back(bytes);
      std::set<std::uint32_t> regions;
      for (std::uint32_t r = grid.tensor_regions(t).first; r < grid.tensor_regions(t).last; ++r) regions.insert(r);
      item_regions.push_back(regions);
    }
    for (CoreId c = 0; c < 2; ++c)
      for (std::uint32_t i = 0; i < program.streams[c].size(); ++i) {
        const auto* load = std::get_if<Load>(&program.streams[c][i].op);
        const auto* store = std::get_if<Store>(&program.streams[c][i].op);
        const TensorRange& range = load ? load->range : store->range;
        const std::uint64_t base = addresses.base(load ? load->tensor : store->tensor) + range.offset;
        std::set<std::uint64_t> bytes;
        for (std::uint64_t r = 0; r < range.rows; ++r)
          for (std::uint64_t b = 0; b < range.row_bytes; ++b) bytes.insert(base + r * range.row_stride + b);
        items.push_back(bytes);
        std::set<std::uint32_t> regions;
        for (const auto& s : grid.spans(c, i))
          for (std::uint32_t r = s.first; r < s.last; ++r) regions.insert(r);
        item_regions.push_back(regions);
      }
    for (std::size_t x = 0; x < items.size(); ++x)
      for (std::size_t y = x; y < items.size(); ++y) {
        std::uint64_t shared = 0, shared_regions = 0;
        for (const std::uint64_t b : items[x]) shared += items[y].count(b);
        for (const std::uint32_t r : item_regions[x])
          if (item_regions[y].count(r)) shared_regions += grid.bytes(r);
        ASSERT_EQ(shared, shared_regions) << "round " << round << ", items " << x << " and " << y << "\n" << text;
      }
    std::set<std::vector<bool>> signatures;
    for (std::uint32_t r = 0; r < grid.region_count(); ++r) {
      std::vector<bool> covered;
      for (const auto& regions : item_regions) covered.push_back(regions.count(r) > 0);
      ASSERT_TRUE(signatures.insert(covered).second) << "round " << round << ": region " << r << " is not maximal";
    }
  }
}

TEST(ShadowMemory, ReadsVisitRunsOfOneOwner) {
  const Program program = read_trace(kGridTrace, "t");
  const AddressMap addresses = AddressMap::naive(program, fixtures::machine(1), "t");
  const AddressGrid grid(program, addresses);
  ShadowMemory m(grid);
  const auto a = grid.tensor_regions(1), second_half = grid.spans(0, 3)[0];  // a's halves are regions 2, 3
  m.write(a.first, a.last, Owner{1, 7});
  m.write(second_half.first, second_half.last, Owner{2, 9});
  std::vector<std::tuple<std::uint32_t, std::uint32_t, TensorId>> runs;
  m.read(0, a.last, [&](std::uint32_t f, std::uint32_t l, const Owner& o) { runs.emplace_back(f, l, o.tensor); });
  using R = std::vector<std::tuple<std::uint32_t, std::uint32_t, TensorId>>;
  EXPECT_EQ(runs, (R{{0, 2, kNoTensor}, {2, 3, 1}, {3, 4, 2}}));
}

TEST(LivenessTracker, PeakCountsBytesBetweenFirstWriteAndLastAccess) {
  const Program program = read_trace(kGridTrace, "t");
  const AddressMap addresses = AddressMap::naive(program, fixtures::machine(1), "t");
  const AddressGrid grid(program, addresses);
  LivenessTracker live(program, grid);
  auto whole = [&](TensorId t) { return std::make_pair(grid.tensor_regions(t).first, grid.tensor_regions(t).last); };
  auto of = [&](std::uint32_t index) { return std::make_pair(grid.spans(0, index)[0].first, grid.spans(0, index)[0].last); };
  auto [i0, i1] = whole(0);
  live.read(0, i0, i1, 0, 10);  // in: live [0, 10)
  auto [a0, a1] = whole(1);
  live.write(1, a0, a1, 10);  // a: live [10, 40) and [10, 50)
  auto [h0, h1] = of(2);
  live.read(1, h0, h1, 30, 40);
  auto [g0, g1] = of(3);
  live.read(1, g0, g1, 40, 50);
  auto [b0, b1] = whole(2);
  live.write(2, b0, b1, 45);  // b: live [45, 60), overlapping a's second half
  live.read(2, b0, b1, 55, 60);
  auto [o0, o1] = whole(3);
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
  const MachineConfig config = fixtures::machine(2);
  const AddressMap addresses = AddressMap::from_plan(program, config, fixtures::plan({{"x", 0}, {"y", 64}}), "p");
  const AddressGrid grid(program, addresses);
  AccessMonitor monitor(program, grid);
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
  const MachineConfig config = fixtures::machine(2);
  const AddressMap addresses = AddressMap::from_plan(program, config, fixtures::plan({{"x", 0}, {"y", 0}}), "p");
  const AddressGrid grid(program, addresses);
  AccessMonitor monitor(program, grid);
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
  const MachineConfig config = fixtures::machine(1);
  const AddressMap addresses = AddressMap::naive(program, config, "t");
  const AddressGrid grid(program, addresses);
  AccessMonitor monitor(program, grid);
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
