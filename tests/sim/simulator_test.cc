// The whole model under the SystemC kernel: hand-computed cycle counts, the checker, jitter,
// deadlocks, determinism and the roofline.
#include "sim/simulator.h"

#include <gtest/gtest.h>

#include "common/file_io.h"
#include "sim/sim_report.h"
#include "sim_test_util.h"

namespace tetris::sim {
namespace {

using fixtures::dram_machine;
using fixtures::machine;
using fixtures::plan;
using fixtures::Simulation;

const std::string kHeader1 = "tetris-trace 1\ncores 1\nelement_bytes 2\n";
const std::string kHeader2 = "tetris-trace 1\ncores 2\nelement_bytes 2\n";

TEST(Simulator, OneCoreLoads4KiBAt32BytesPerCycleWithLatency100) {
  // 100 cycles of latency, then 4096 / 32 = 128 beats: 228.
  const Simulation sim(kHeader1 + "tensor 0 x 4096 input -\ncore 0\nload 0 0 4096 nbin\n", machine(1, 32, 100));
  const RunResult r = sim.run();
  EXPECT_EQ(r.cycles, 228u);
  ASSERT_EQ(r.cores.size(), 1u);
  EXPECT_EQ(r.cores[0].memory_stall, 228u);
  EXPECT_EQ(r.cores[0].busy, 0u);
  EXPECT_EQ(r.bytes_read, 4096u);
  EXPECT_EQ(r.memory_busy_cycles, 128u);
  EXPECT_FALSE(r.deadlock);
  EXPECT_EQ(r.conflict_count, 0u);
}

// Latency hidden by a second request in flight: two 4 KiB loads at 32 B/cycle, latency 100. One
// in flight: 228 + 228 = 456 cycles. Two: both arrive at 100 and share the bus, 256 beats, so the
// run ends at 356.
TEST(Simulator, TwoRequestsInFlightHideTheSecondLatency) {
  const std::string trace =
      kHeader1 + "tensor 0 x 8192 input -\ncore 0\nload 0 0 4096 nbin\nload 0 4096 4096 nbin\n";
  MachineConfig config = machine(1, 32, 100);
  config.memory.requests_in_flight = 1;
  EXPECT_EQ(Simulation(trace, config).run().cycles, 456u);
  config.memory.requests_in_flight = 2;
  const RunResult r = Simulation(trace, config).run();
  EXPECT_EQ(r.cycles, 356u);
  EXPECT_EQ(r.memory_busy_cycles, 256u);
  EXPECT_EQ(r.conflict_count, 0u);
}

// On DRAM a 4 KiB load is 64 bursts over 4 channels x 4 bank groups: per channel four
// activates tRRD_S (4 tCK) apart, tRCD (16), then 16 column commands tCCD_S (4) apart, CL (16)
// and the last burst (4): 12 + 16 + 60 + 16 + 4 = 108 tCK of 833 ps, 90 cycles after the arrival
// at 100, against 64 beats on the ideal bus.
TEST(Simulator, OneCoreLoads4KiBFromDram) {
  const std::string trace = kHeader1 + "tensor 0 x 4096 input -\ncore 0\nload 0 0 4096 nbin\n";
  EXPECT_EQ(Simulation(trace, machine(1, 64, 100)).run().cycles, 164u);
  const RunResult r = Simulation(trace, dram_machine(1, 100)).run();
  EXPECT_EQ(r.cycles, 190u);
  ASSERT_TRUE(r.dram.has_value());
  EXPECT_EQ(r.dram->bursts, 64u);
  EXPECT_EQ(r.dram->row_misses, 16u);
  EXPECT_EQ(r.bandwidth_bytes_per_cycle, 77u);
  EXPECT_FALSE(Simulation(trace, machine(1, 64, 100)).run().dram.has_value());
}

TEST(Simulator, TwoCoresContendingShareTheBandwidth) {
  // Both requests arrive at 100 and alternate beats: core 0's last (128th) beat is in cycle
  // 100 + 2 x 127 = 354, core 1's in 355. Each saw half the bandwidth.
  const Simulation sim(kHeader2 + "tensor 0 x 8192 input -\ncore 0\nload 0 0 4096 nbin\ncore 1\nload 0 4096 4096 nbin\n",
                       machine(2, 32, 100));
  const RunResult r = sim.run();
  EXPECT_EQ(r.cycles, 356u);
  EXPECT_EQ(r.cores[0].finish, 355u);
  EXPECT_EQ(r.cores[1].finish, 356u);
  EXPECT_EQ(r.cores[0].idle, 1u);
  EXPECT_EQ(r.memory_busy_cycles, 256u);
}

TEST(Simulator, BarrierReleasesAllAfterTheLastArrivalPlusItsLatency) {
  // Core 0 computes 10 cycles, core 1 100; core 1 arrives last at 100, the barrier releases at
  // 100 + 20 = 120 and both compute one more cycle: 121.
  const Simulation sim(kHeader2 +
                           "tensor 0 x 64 input -\n"
                           "core 0\ncompute conv 2560\nbarrier 0 all\ncompute conv 256\n"
                           "core 1\ncompute conv 25600\nbarrier 0 all\ncompute conv 256\n",
                       machine(2, 64, 100, 20, 10));
  const RunResult r = sim.run();
  EXPECT_EQ(r.cycles, 121u);
  EXPECT_EQ(r.cores[0].busy, 11u);
  EXPECT_EQ(r.cores[0].sync_stall, 110u);
  EXPECT_EQ(r.cores[1].busy, 101u);
  EXPECT_EQ(r.cores[1].sync_stall, 20u);
}

TEST(Simulator, EventsManyQuantaApartKeepTheirCycles) {
  // The memory controller settles ahead of the kernel by up to a quantum (10,000 cycles); these
  // events lie five quanta apart. Core 0: load done at 100 + 128 = 228, compute 50,000 cycles until
  // 50,228, store done at 50,228 + 100 + 128 = 50,456, then the barrier, which core 1 reached at
  // 30,000: release at 50,476, one cycle of compute: 50,477.
  static_assert(Simulator::kDefaultQuantum == 10000);
  const Simulation sim(kHeader2 +
                           "tensor 0 x 4096 input -\ntensor 1 y 4096 output -\n"
                           "core 0\nload 0 0 4096 nbin\ncompute conv 12800000\nstore 1 0 4096 nbout\n"
                           "barrier 0 all\ncompute conv 256\n"
                           "core 1\ncompute conv 7680000\nbarrier 0 all\ncompute conv 256\n",
                       machine(2, 32, 100, 20, 10));
  const RunResult r = sim.run();
  EXPECT_EQ(r.cycles, 50477u);
  EXPECT_EQ(r.cores[0].busy, 50001u);
  EXPECT_EQ(r.cores[0].memory_stall, 456u);
  EXPECT_EQ(r.cores[0].sync_stall, 20u);
  EXPECT_EQ(r.cores[1].busy, 30001u);
  EXPECT_EQ(r.cores[1].sync_stall, 20476u);
  EXPECT_EQ(r.conflict_count, 0u);
  EXPECT_FALSE(r.deadlock);
}

TEST(Simulator, SemaphoreWaitSeesTheSignalAfterItsLatency) {
  // Core 0 signals at 50; core 1 waits from 0 and continues at 50 + 10 = 60, computes 1: 61.
  const Simulation sim(kHeader2 +
                           "tensor 0 x 64 input -\n"
                           "core 0\ncompute conv 12800\nsignal 3\n"
                           "core 1\nwait 3\ncompute conv 256\n",
                       machine(2, 64, 100, 20, 10));
  const RunResult r = sim.run();
  EXPECT_EQ(r.cycles, 61u);
  EXPECT_EQ(r.cores[1].sync_stall, 60u);
}

TEST(Simulator, LoadComputeAndStoreUnitsOverlap) {
  // 32 B/cycle, latency 100, 4 KiB tiles (128 beats), computes of 100 cycles:
  //   load 0   issued 0, arrives 100, done 228
  //   compute  228-328; load 1 issued 228 (double buffering), arrives 328
  //   store 0  issued 328 (after its compute), arrives 428. Load 1 has 28 beats left then; it
  //            and store 0 alternate, load 1's last beat ends at 428 + 2 x 27 + 1 = 483 while
  //            store 0 got 27 beats; store 0 finishes alone: 483 + 101 = 584
  //   compute  483-583
  //   store 1  issued 584 (store unit free), arrives 684, done 812
  // (one request in flight per unit, as counted here; the default of 4 lets load 1 and store 0
  // share the bus differently)
  MachineConfig config = machine(1, 32, 100);
  config.memory.requests_in_flight = 1;
  const Simulation sim(kHeader1 +
                           "tensor 0 in 8192 input -\ntensor 1 out 8192 output -\ncore 0\n"
                           "load 0 0 4096 nbin\ncompute conv 25600\nstore 1 0 4096 nbout\n"
                           "load 0 4096 4096 nbin\ncompute conv 25600\nstore 1 4096 4096 nbout\n",
                       config);
  const RunResult r = sim.run();
  EXPECT_EQ(r.cycles, 812u);
  EXPECT_EQ(r.cores[0].busy, 200u);
  EXPECT_EQ(r.cores[0].memory_stall, 612u);
}

std::string read_example() { return read_text_file(std::string(TETRIS_SOURCE_DIR) + "/docs/examples/two-core.trace"); }

TEST(Simulator, TheExampleRunsCleanWithTheNaivePlan) {
  const Simulation sim(read_example(), machine(2));
  const RunResult r = sim.run();
  EXPECT_EQ(r.conflict_count, 0u);
  EXPECT_FALSE(r.deadlock);
  EXPECT_GT(r.cycles, 0u);
  EXPECT_EQ(r.footprint_bytes, 3u * 8192u);
  ASSERT_EQ(r.layers.size(), 2u);
  EXPECT_EQ(r.layers[0].name, "relu1");
  // Byte by byte, data dies as add1 reads it and sum is born as add1 stores it: the peak lies
  // between the biggest tensor and a safe plan's footprint.
  EXPECT_GE(r.peak_live_bytes, 8192u);
  EXPECT_LE(r.peak_live_bytes, r.footprint_bytes);
}

// Own cycles: each cycle of a span goes to the earliest layer in progress then.
TEST(Simulator, OwnCyclesGoToTheEarliestLayerInProgressAndNeverOverlap) {
  std::vector<LayerResult> layers(5);
  const std::pair<Cycles, Cycles> spans[] = {{0, 10}, {5, 20}, {30, 40}, {8, 35}, {kNever, 0}};
  for (std::size_t i = 0; i < layers.size(); ++i) layers[i].first = spans[i].first, layers[i].last = spans[i].second;
  attribute_own_cycles(layers);
  EXPECT_EQ(layers[0].own_cycles, 10u);
  EXPECT_EQ(layers[1].own_cycles, 10u);  // [10, 20)
  EXPECT_EQ(layers[2].own_cycles, 10u);
  EXPECT_EQ(layers[3].own_cycles, 10u);  // [20, 30): the rest was layer 1's or layer 2's
  EXPECT_EQ(layers[4].own_cycles, 0u);   // a view
}

TEST(Simulator, OwnCyclesOfAllLayersFitInTheRun) {
  const Simulation sim(read_example(), machine(2));
  const RunResult r = sim.run();
  Cycles own = 0, spans = 0;
  for (const LayerResult& layer : r.layers) {
    EXPECT_LE(layer.own_cycles, layer.cycles()) << layer.name;
    own += layer.own_cycles, spans += layer.cycles();
  }
  EXPECT_LE(own, r.cycles);
  EXPECT_GT(own, 0u);
  EXPECT_GE(spans, own);
}

TEST(Simulator, CheckerCatchesADeliberatelyOverlappingPlan) {
  // relu1_out placed on top of the input `data`, which add1 still reads.
  const Simulation sim(read_example(), machine(2),
                       plan({{"data", 0}, {"relu1_out", 0}, {"sum", 8192}}));
  const RunResult r = sim.run();
  ASSERT_GT(r.conflict_count, 0u);
  const Conflict& c = r.conflicts.front();
  EXPECT_EQ(c.kind, Conflict::Kind::overwritten);
  EXPECT_EQ(sim.program.tensors[c.tensor].name, "data");
  EXPECT_EQ(sim.program.tensors[c.writer.tensor].name, "relu1_out");
  EXPECT_GT(c.line, 0u);
  EXPECT_GT(c.writer.line, 0u);
  EXPECT_LT(c.writer.at, c.cycle);
  EXPECT_LT(c.address_begin, c.address_end);
  const std::string text = describe_conflict(c, sim.program);
  EXPECT_NE(text.find("load of 'data'"), std::string::npos) << text;
  EXPECT_NE(text.find("overwritten by 'relu1_out'"), std::string::npos) << text;
}

TEST(Simulator, CheckerCatchesAnOverlappingPlanOnDramToo) {
  const Simulation sim(read_example(), dram_machine(2, 100, 4), plan({{"data", 0}, {"relu1_out", 0}, {"sum", 8192}}));
  const RunResult r = sim.run();
  ASSERT_GT(r.conflict_count, 0u);
  EXPECT_EQ(sim.program.tensors[r.conflicts.front().tensor].name, "data");
  const Simulation clean(read_example(), dram_machine(2, 100, 4));
  EXPECT_EQ(clean.run().conflict_count, 0u);
}

TEST(Simulator, DeadlockIsReportedWithEachBlockedCoresPosition) {
  const Simulation sim(kHeader2 +
                           "tensor 0 x 64 input -\n"
                           "core 0\ncompute conv 256\nwait 0\nsignal 1\n"
                           "core 1\nwait 1\nsignal 0\n",
                       machine(2));
  const RunResult r = sim.run();
  ASSERT_TRUE(r.deadlock);
  ASSERT_EQ(r.deadlock->cores.size(), 2u);
  EXPECT_EQ(r.deadlock->cores[0].core, 0u);
  EXPECT_EQ(r.deadlock->cores[0].line, 7u);
  EXPECT_EQ(r.deadlock->cores[0].index, 1u);
  EXPECT_EQ(r.deadlock->cores[0].instruction, "wait 0");
  EXPECT_EQ(r.deadlock->cores[1].line, 10u);
  EXPECT_EQ(r.deadlock->cores[1].instruction, "wait 1");
  const std::string text = r.deadlock->describe();
  EXPECT_NE(text.find("core 1 blocked at line 10, instruction 0 (wait 1): this is wait #1 on semaphore 1, which core 0 "
                      "has signalled 0 times"),
            std::string::npos)
      << text;
}

// Two cores load the same 4 KiB at 32 B/cycle, latency 100. As plain loads both arrive at 100
// and share the bus: 256 beats, the run ends at 356. As one multicast group on a memory that
// multicasts: one request of 128 beats, both cores have the data at 228, and the memory read 4 KiB.
TEST(Simulator, AMulticastGroupIsReadOnceForAllItsCores) {
  const std::string trace = "tetris-trace 3\ncores 2\nelement_bytes 2\nlayer 0 l conv\ntensor 0 x 4096 input -\n"
                            "core 0\nlayer l\nmload 0 all 0 0 4096 nbin\ncore 1\nlayer l\nmload 0 all 0 0 4096 nbin\n";
  MachineConfig config = machine(2, 32, 100);
  const RunResult plain = Simulation(trace, config).run();
  ASSERT_EQ(plain.layers.size(), 1u);
  EXPECT_EQ(plain.layers[0].bytes, 8192u);
  EXPECT_EQ(plain.cycles, 356u);
  EXPECT_EQ(plain.bytes_read, 8192u);
  EXPECT_EQ(plain.multicast_bytes, 0u);
  config.memory.multicast = 1;
  const RunResult r = Simulation(trace, config).run();
  EXPECT_EQ(r.cycles, 228u);
  EXPECT_EQ(r.memory_busy_cycles, 128u);
  EXPECT_EQ(r.bytes_read, 4096u);
  EXPECT_EQ(r.multicast_bytes, 4096u);
  EXPECT_EQ(r.cores[0].bytes_read, 4096u);
  EXPECT_EQ(r.cores[1].bytes_read, 4096u);
  EXPECT_EQ(r.conflict_count, 0u);
  // The trace-traffic roofline counts the group once too: 128 beats, at or below the 228 cycles.
  EXPECT_EQ(r.layers[0].bytes, 4096u);
  EXPECT_EQ(r.layers[0].roofline_cycles, 128.0);
}

// The group is read when its last member issues: core 1 first loads 4 KiB alone (done at 228),
// then issues the group, which is read from 228: arrival 328, 128 beats, both done at 456. Core 0
// waited for it from cycle 0.
TEST(Simulator, AMulticastGroupIsReadWhenItsLastMemberIssues) {
  const std::string trace = "tetris-trace 3\ncores 2\nelement_bytes 2\ntensor 0 x 8192 input -\n"
                            "core 0\nmload 0 all 0 0 4096 nbin\n"
                            "core 1\nload 0 4096 4096 nbin\nmload 0 all 0 0 4096 nbin\n";
  MachineConfig config = machine(2, 32, 100);
  config.memory.multicast = 1;
  const RunResult r = Simulation(trace, config).run();
  EXPECT_EQ(r.cycles, 456u);
  EXPECT_EQ(r.cores[0].memory_stall, 456u);
  EXPECT_EQ(r.cores[0].finish, 456u);
  EXPECT_EQ(r.memory_busy_cycles, 256u);
  EXPECT_EQ(r.conflict_count, 0u);
}

TEST(Simulator, CrossedMulticastGroupsDeadlockAndTheReportSaysWhichGroup) {
  const std::string trace = "tetris-trace 3\ncores 2\nelement_bytes 2\ntensor 0 x 128 input -\n"
                            "core 0\nmload 0 all 0 0 64 nbin\nmload 1 all 0 64 64 nbin\n"
                            "core 1\nmload 1 all 0 64 64 nbin\nmload 0 all 0 0 64 nbin\n";
  MachineConfig config = machine(2);
  EXPECT_FALSE(Simulation(trace, config).run().deadlock);  // plain loads when the memory does not multicast
  config.memory.multicast = 1;
  const RunResult r = Simulation(trace, config).run();
  ASSERT_TRUE(r.deadlock);
  ASSERT_EQ(r.deadlock->cores.size(), 2u);
  EXPECT_EQ(r.deadlock->cores[0].instruction, "mload 0 of tensor 0");
  const std::string text = r.deadlock->describe();
  EXPECT_NE(text.find("core 1 blocked at line 9, instruction 0 (mload 1 of tensor 0): multicast 1 is read once all of "
                      "cores 0,1 issue it"),
            std::string::npos)
      << text;
}

TEST(Simulator, BarrierOrderDeadlockIsReported) {
  const Simulation sim(kHeader2 +
                           "tensor 0 x 64 input -\n"
                           "core 0\nbarrier 0 all\nbarrier 1 all\n"
                           "core 1\nbarrier 1 all\nbarrier 0 all\n",
                       machine(2));
  const RunResult r = sim.run();
  ASSERT_TRUE(r.deadlock);
  EXPECT_EQ(r.deadlock->cores.size(), 2u);
  EXPECT_NE(r.deadlock->describe().find("barrier 0 has cores 0 arrived, waits for 1"), std::string::npos)
      << r.deadlock->describe();
}

}  // namespace
}  // namespace tetris::sim
