#include "sim/dram_controller.h"

#include <gtest/gtest.h>

#include <random>

#include "common/machine_config.h"

namespace tetris::sim {
namespace {

// DDR4-2400 as the config's dram section has it: tCK 833 ps, CL = CWL = tRCD = tRP = 16 tCK,
// BL8 (a burst is 4 tCK = 3332 ps on the bus), 4 channels, 4 bank groups; 1 GHz cores.
DramConfig ddr4() { return parse_machine_config("memory:\n  model: dram\n", "t.yaml").dram; }

constexpr std::uint64_t kTck = 833;
constexpr std::uint64_t kBurst = 4 * kTck;
constexpr std::uint64_t kCas = 16 * kTck;

// Burst b of the address space: channel b % 4, bank group b / 4 % 4, column b / 16 % 128, bank
// b / 2048 % 4, row b / 8192.
DramAccess read_of(std::uint64_t address, std::uint64_t bytes = 64) { return {address, bytes, bytes, 1, false}; }
DramAccess write_of(std::uint64_t address, std::uint64_t bytes = 64) { return {address, bytes, bytes, 1, true}; }

Cycles up(std::uint64_t ps) { return (ps + 999) / 1000; }

Cycles complete(DramController& dram, std::uint64_t tag, Cycles arrival, const DramAccess& access) {
  dram.add(tag, tag, arrival, access);
  std::vector<DramController::Completion> done;
  dram.advance(arrival + 1000, done);
  EXPECT_EQ(done.size(), 1u);
  return done.empty() ? 0 : done[0].at;
}

TEST(DramController, ClosedBankHitAndConflictTakeTheirJedecTimes) {
  DramController dram(ddr4(), 1000);
  // Closed bank: activate at 0, read tRCD later, data CL later, one burst.
  EXPECT_EQ(complete(dram, 0, 0, read_of(0)), up(16 * kTck + kCas + kBurst));  // 30
  // The same row (column 1 of channel 0, group 0): a row hit, CL + one burst after arrival.
  EXPECT_EQ(complete(dram, 1, 100, read_of(1024)), 100 + up(kCas + kBurst));  // 117
  // Row 1 of the same bank: precharge, tRP, activate, tRCD, CL, burst.
  EXPECT_EQ(complete(dram, 2, 200, read_of(std::uint64_t{1} << 19)), 200 + up(16 * kTck + 16 * kTck + kCas + kBurst));
  EXPECT_EQ(dram.stats().row_hits, 1u);
  EXPECT_EQ(dram.stats().row_misses, 2u);
  EXPECT_EQ(dram.stats().bursts, 3u);
}

TEST(DramController, RefreshClosesTheRowsAndHoldsTheChannelForTrfc) {
  DramController dram(ddr4(), 1000);
  complete(dram, 0, 0, read_of(0));  // opens row 0
  // tREFI = 9360 tCK = 7,796,880 ps. A read of the open row just after it: precharge (tRP),
  // refresh (tRFC = 312 tCK), then activate, tRCD, CL, burst.
  const std::uint64_t due = 9360 * kTck;
  const Cycles arrival = up(due);
  const std::uint64_t activate = due + 16 * kTck + 312 * kTck;
  EXPECT_EQ(complete(dram, 1, arrival, read_of(64 * 16)), up(activate + 16 * kTck + kCas + kBurst));
  EXPECT_EQ(dram.stats().refreshes, 1u);
  EXPECT_EQ(dram.stats().row_misses, 2u);  // the refresh closed row 0
}

TEST(DramController, AReadAfterAWriteWaitsForTheWriteToRecover) {
  DramController dram(ddr4(), 1000);
  dram.add(0, 0, 0, write_of(0));     // channel 0, group 0
  dram.add(1, 1, 0, read_of(4 * 64));  // channel 0, group 1: another bank, activated tRRD_S later
  std::vector<DramController::Completion> done;
  dram.advance(1000, done);
  ASSERT_EQ(done.size(), 2u);
  const std::uint64_t write_data_end = 16 * kTck + 16 * kTck + kBurst;  // activate 0, tRCD, CWL, burst
  EXPECT_EQ(done[0].tag, 0u);
  EXPECT_EQ(done[0].at, up(write_data_end));  // 30
  // The read's command waits for the write data's end + tWTR_S (3 tCK), not only its tRCD.
  EXPECT_EQ(done[1].tag, 1u);
  EXPECT_EQ(done[1].at, up(write_data_end + 3 * kTck + kCas + kBurst));  // 50
}

TEST(DramController, AStreamAlternatesBankGroupsAtTheBussFullSpeed) {
  DramController dram(ddr4(), 1000);
  // 64 KiB from 0: 256 bursts per channel, 64 in each bank group, one row. Four activates tRRD_S
  // apart; then column commands every tCCD_S = one burst.
  const Cycles at = complete(dram, 0, 0, read_of(0, 65536));
  EXPECT_EQ(at, up(3 * 4 * kTck + 16 * kTck + 255 * kBurst + kCas + kBurst));
  EXPECT_EQ(dram.stats().bursts, 1024u);
  EXPECT_EQ(dram.stats().segments, 4u);
  EXPECT_EQ(dram.busy_cycles(), up(256 * kBurst));
}

TEST(DramController, PartlyUsedBurstsOfATwoDimensionalTransferCountWhole) {
  DramController dram(ddr4(), 1000);
  // 4 rows of 100 bytes, 4096 apart, from 32: each row touches two bursts (32..132 -> bursts 0, 1, 2?).
  // [32, 132) spans bursts 0, 1 and 2 (bytes 0-63, 64-127, 128-191): three each.
  complete(dram, 0, 0, {32, 100, 4096, 4, false});
  EXPECT_EQ(dram.stats().bursts, 12u);
  EXPECT_EQ(dram.stats().burst_bytes, 12u * 64);
}

TEST(DramController, AHitIsServedBeforeAnOlderMiss) {
  DramController dram(ddr4(), 1000);
  complete(dram, 0, 0, read_of(0));  // row 0 of bank 0 open
  // At 2000: an older miss (row 1 of bank 0) and a younger hit (row 0): the hit goes first.
  dram.add(1, 1, 2000, read_of(std::uint64_t{1} << 19));
  dram.add(2, 2, 2000, read_of(1024));
  std::vector<DramController::Completion> done;
  dram.advance(3000, done);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].tag, 2u);
  EXPECT_EQ(done[0].at, 2000 + up(kCas + kBurst));
  EXPECT_EQ(done[1].tag, 1u);
}

// The same requests give the same completions however time is cut into windows, and nothing
// completes before completion_bound or earliest_completion said.
TEST(DramController, WindowsChangeNothingAndBoundsHold) {
  std::mt19937_64 random(7);
  struct Request {
    Cycles arrival;
    DramAccess access;
  };
  std::vector<Request> requests;
  Cycles t = 0;
  for (int i = 0; i < 400; ++i) {
    t += random() % 40;
    const std::uint64_t rows = 1 + random() % 4;
    const std::uint64_t row_bytes = 1 + random() % 3000;
    requests.push_back({t, {(random() % (1u << 24)) & ~std::uint64_t{1}, row_bytes, row_bytes + random() % 9000, rows,
                            random() % 3 == 0}});
  }
  auto run = [&](Cycles window) {
    DramController dram(ddr4(), 1000);
    std::vector<DramController::Completion> done;
    std::size_t next = 0;
    for (Cycles now = 0; next < requests.size() || !dram.idle(); now += window) {
      while (next < requests.size() && requests[next].arrival < now + window) {
        const Request& r = requests[next];
        const Cycles arrival = std::max(r.arrival, now);
        dram.add(next, next, arrival, r.access);
        EXPECT_GE(dram.earliest_completion(arrival), arrival);
        ++next;
      }
      const auto bound = dram.completion_bound();
      const std::size_t before = done.size();
      dram.advance(now + window, done);
      for (std::size_t i = before; i < done.size(); ++i) {
        EXPECT_TRUE(bound.has_value());
        if (bound) {
          EXPECT_GE(done[i].at, *bound);
        }
        if (i > 0) {
          EXPECT_LE(done[i - 1].at, done[i].at);
        }
      }
    }
    return done;
  };
  const auto one = run(1);
  ASSERT_EQ(one.size(), requests.size());
  for (const Cycles window : {3, 17, 250}) {
    const auto other = run(window);
    ASSERT_EQ(other.size(), one.size()) << window;
    for (std::size_t i = 0; i < one.size(); ++i) {
      EXPECT_EQ(other[i].tag, one[i].tag) << window << " " << i;
      EXPECT_EQ(other[i].at, one[i].at) << window << " " << i;
    }
  }
}

}  // namespace
}  // namespace tetris::sim
