#include "sim/core_model.h"

#include <gtest/gtest.h>

#include "common/trace_io.h"
#include "sim_test_util.h"

namespace tetris::sim {
namespace {

// Records what the core asks for; barriers release 5 cycles after the core arrives.
struct FakePorts : CorePorts {
  CoreModel* core = nullptr;
  struct Transfer {
    TransferKind kind;
    std::uint32_t index;
    Cycles at;
    std::uint32_t slot = 0;
    bool operator==(const Transfer&) const = default;
  };
  std::vector<Transfer> transfers;
  void start_transfer(CoreId, TransferKind kind, std::uint32_t slot, const CoreProgram::Transfer& transfer,
                      Cycles now) override {
    transfers.push_back({kind, transfer.index, now, slot});
  }
  void arrive_barrier(CoreId, BarrierId, Cycles now) override { core->sync_granted(now + 5); }
  void signal(CoreId, SemaphoreId, Cycles) override {}
  void wait(CoreId, SemaphoreId, Cycles now) override { core->sync_granted(now + 5); }
};

struct CoreFixture {
  Program program;
  MachineConfig config;
  AddressMap addresses;
  TimingModel timing{config};
  Jitter jitter;
  AddressGrid grid;
  CoreProgram core_program;
  CoreModel core;
  FakePorts ports;

  static MachineConfig with_depth(std::uint64_t depth) {
    MachineConfig config = fixtures::machine(1);
    config.memory.requests_in_flight = depth;
    return config;
  }
  explicit CoreFixture(const std::string& body, std::uint64_t depth = 1)
      : program(read_trace("tetris-trace 1\ncores 1\nelement_bytes 2\n"
                           "tensor 0 a 65536 input -\ntensor 1 b 65536 output -\ncore 0\n" + body,
                           "t")),
        config(with_depth(depth)),
        addresses(AddressMap::naive(program, config, "t")),
        grid(program, addresses),
        core_program(program, 0, addresses, timing, grid),
        core(0, core_program, jitter) {
    ports.core = &core;
  }
};

using T = FakePorts::Transfer;
constexpr auto kLoad = TransferKind::load;
constexpr auto kStore = TransferKind::store;

// Instruction indices below count from 0 in the core's stream. The kernel time passed to
// advance() only bounds what is safe; the core runs on its own time.
TEST(CoreModel, LoadsOfTheNextTileOverlapTheCompute) {
  CoreFixture f("load 0 0 1024 nbin\ncompute conv 25600\nstore 1 0 1024 nbout\n"
                "load 0 1024 1024 nbin\ncompute conv 25600\nstore 1 1024 1024 nbout\n");
  EXPECT_EQ(f.core.advance(0, f.ports), std::nullopt);  // waits for load 0's announcement
  f.core.transfer_done(kLoad, 0, 120);
  // Load 0 done at 120: compute 1 runs until 220 and the next tile's load starts; the compute's
  // end is not safe while that load is unannounced.
  EXPECT_EQ(f.core.advance(5, f.ports), 220u);
  EXPECT_EQ(f.ports.transfers, (std::vector<T>{{kLoad, 0, 0}, {kLoad, 3, 120}}));
  f.core.transfer_done(kLoad, 0, 200);
  // Now both are known: at 220 compute 1 ends, store 2 and compute 4 (until 320) start.
  EXPECT_EQ(f.core.advance(150, f.ports), 320u);
  EXPECT_EQ(f.ports.transfers.back(), (T{kStore, 2, 220}));
  EXPECT_EQ(f.core.time(), 220u);
  EXPECT_EQ(f.core.stats().busy, 100u);
  EXPECT_EQ(f.core.stats().memory_stall, 120u);
}

// Two requests in flight (memory.requests_in_flight 2): both loads of a tile issue at once, in
// slots 0 and 1; they may complete out of order, and the unit retires them in order, so the
// compute waits for the later-announced first one.
TEST(CoreModel, TwoRequestsInFlightIssueTogetherAndRetireInOrder) {
  const std::string body = "load 0 0 1024 nbin\nload 0 1024 1024 nbin\ncompute conv 25600\n";
  CoreFixture f(body, 2);
  EXPECT_EQ(f.core.advance(0, f.ports), std::nullopt);
  EXPECT_EQ(f.ports.transfers, (std::vector<T>{{kLoad, 0, 0, 0}, {kLoad, 1, 0, 1}}));
  f.core.transfer_done(kLoad, 1, 150);
  EXPECT_EQ(f.core.advance(10, f.ports), std::nullopt);  // load 0 is not announced yet
  EXPECT_EQ(f.core.stats().busy, 0u);
  f.core.transfer_done(kLoad, 0, 200);
  f.core.advance(10, f.ports);  // compute 200..300, then nothing is left
  EXPECT_TRUE(f.core.finished());
  EXPECT_EQ(f.core.stats().busy, 100u);
  EXPECT_EQ(f.core.stats().memory_stall, 200u);
  // One in flight: the second load waits for the first.
  CoreFixture one(body, 1);
  one.core.advance(0, one.ports);
  EXPECT_EQ(one.ports.transfers, (std::vector<T>{{kLoad, 0, 0, 0}}));
  one.core.transfer_done(kLoad, 0, 120);
  one.core.advance(10, one.ports);
  EXPECT_EQ(one.ports.transfers.back(), (T{kLoad, 1, 120, 0}));
}

// What the memory's settled windows give a core: after settled(t), a compute end at or before t
// is safe even with a transfer unannounced, and one after t still is not.
TEST(CoreModel, ASettledWindowMakesComputeEndsInsideItSafe) {
  CoreFixture f("load 0 0 1024 nbin\ncompute conv 25600\nstore 1 0 1024 nbout\n"
                "load 0 1024 1024 nbin\ncompute conv 25600\nstore 1 1024 1024 nbout\n");
  f.core.advance(0, f.ports);
  f.core.transfer_done(kLoad, 0, 120);
  EXPECT_EQ(f.core.advance(5, f.ports), 220u);  // load 3 unannounced: compute 1's end waits
  f.core.settled(219);
  EXPECT_EQ(f.core.advance(5, f.ports), 220u);  // a window short of it changes nothing
  f.core.settled(220);
  // Compute 1 ends at 220 and store 2 starts; compute 4 needs load 3, still unannounced.
  EXPECT_EQ(f.core.advance(5, f.ports), std::nullopt);
  EXPECT_EQ(f.ports.transfers.back(), (T{kStore, 2, 220}));
  EXPECT_EQ(f.core.time(), 220u);
}

TEST(CoreModel, DoubleBufferingHoldsTheThirdTilesLoads) {
  CoreFixture f("load 0 0 64 nbin\ncompute conv 2560\nload 0 64 64 nbin\ncompute conv 2560\n"
                "load 0 128 64 nbin\ncompute conv 2560\n");
  f.core.advance(0, f.ports);
  f.core.transfer_done(kLoad, 0, 10);
  EXPECT_EQ(f.core.advance(0, f.ports), 20u);  // compute 1 until 20; load 2 (tile 1) starts at 10
  f.core.transfer_done(kLoad, 0, 15);
  f.core.advance(12, f.ports);
  // Load 4 (tile 2) waited for compute 1 to end at 20.
  EXPECT_EQ(f.ports.transfers, (std::vector<T>{{kLoad, 0, 0}, {kLoad, 2, 10}, {kLoad, 4, 20}}));
}

TEST(CoreModel, ALoadWaitsForAnEarlierStoreToTheSameAddresses) {
  CoreFixture f("load 0 0 64 nbin\ncompute conv 256\nstore 1 0 64 nbout\nload 1 0 64 nbin\nload 0 64 64 nbin\n");
  f.core.advance(0, f.ports);
  f.core.transfer_done(kLoad, 0, 10);
  EXPECT_EQ(f.core.advance(0, f.ports), std::nullopt);  // compute 10-11, then the store; load 3 waits
  EXPECT_EQ(f.ports.transfers, (std::vector<T>{{kLoad, 0, 0}, {kStore, 2, 11}}));
  f.core.transfer_done(kStore, 0, 50);
  f.core.advance(20, f.ports);
  EXPECT_EQ(f.ports.transfers.back(), (T{kLoad, 3, 50}));
}

TEST(CoreModel, SyncIsAFence) {
  CoreFixture f("load 0 0 64 nbin\nbarrier 0 all\nload 0 64 64 nbin\n");
  f.core.advance(0, f.ports);
  f.core.transfer_done(kLoad, 0, 7);
  EXPECT_EQ(f.core.advance(0, f.ports), std::nullopt);
  // The barrier starts when load 0 is done (7) and releases at 12; load 2 starts then.
  EXPECT_EQ(f.ports.transfers, (std::vector<T>{{kLoad, 0, 0}, {kLoad, 2, 12}}));
  EXPECT_EQ(f.core.position(), 2u);
  f.core.transfer_done(kLoad, 0, 20);
  f.core.advance(12, f.ports);
  EXPECT_TRUE(f.core.finished());
  EXPECT_EQ(f.core.stats().finish, 20u);
  EXPECT_EQ(f.core.stats().sync_stall, 5u);
  EXPECT_EQ(f.core.stats().memory_stall, 15u);
}

}  // namespace
}  // namespace tetris::sim
