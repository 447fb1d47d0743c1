#include "sim/core_model.h"

#include <gtest/gtest.h>

#include "common/trace_io.h"
#include "sim_test_util.h"

namespace tetris::sim {
namespace {

// Records what the core asks for; sync requests are granted at once.
struct FakePorts : CorePorts {
  CoreModel* core = nullptr;
  std::vector<std::pair<TransferKind, std::uint32_t>> transfers;
  void start_transfer(CoreId, TransferKind kind, std::uint32_t index, Cycles) override {
    transfers.emplace_back(kind, index);
  }
  void arrive_barrier(CoreId, BarrierId, Cycles now) override { core->sync_granted(now + 5); }
  void signal(CoreId, SemaphoreId, Cycles) override {}
  void wait(CoreId, SemaphoreId, Cycles now) override { core->sync_granted(now + 5); }
};

struct CoreFixture {
  Program program;
  MachineConfig config = testing::machine(1);
  AddressMap addresses;
  TimingModel timing{config};
  Jitter jitter;
  CoreModel core;
  FakePorts ports;

  explicit CoreFixture(const std::string& body)
      : program(read_trace("tetris-trace 1\ncores 1\nelement_bytes 2\n"
                           "tensor 0 a 65536 input -\ntensor 1 b 65536 output -\ncore 0\n" + body,
                           "t")),
        addresses(AddressMap::naive(program, config, "t")),
        core(0, program, addresses, timing, jitter) {
    ports.core = &core;
  }
};

// Instruction indices below count from 0 in the core's stream.
TEST(CoreModel, LoadsOfTheNextTileOverlapTheCompute) {
  CoreFixture f("load 0 0 1024 nbin\ncompute conv 25600\nstore 1 0 1024 nbout\n"
                "load 0 1024 1024 nbin\ncompute conv 25600\nstore 1 1024 1024 nbout\n");
  EXPECT_EQ(f.core.advance(0, f.ports), std::nullopt);
  ASSERT_EQ(f.ports.transfers.size(), 1u);  // load 0; compute 1 waits for it
  f.core.transfer_done(TransferKind::load);
  EXPECT_EQ(f.core.advance(120, f.ports), 220u);  // compute 1 runs 100 cycles
  ASSERT_EQ(f.ports.transfers.size(), 2u);
  EXPECT_EQ(f.ports.transfers[1], std::make_pair(TransferKind::load, 3u));  // the next tile's load
  f.core.transfer_done(TransferKind::load);
  EXPECT_EQ(f.core.advance(200, f.ports), 220u);  // compute 4 waits for compute 1
  EXPECT_EQ(f.ports.transfers.size(), 2u);
  EXPECT_EQ(f.core.advance(220, f.ports), 320u);  // compute 1 done: store 2 and compute 4 start
  ASSERT_EQ(f.ports.transfers.size(), 3u);
  EXPECT_EQ(f.ports.transfers[2], std::make_pair(TransferKind::store, 2u));
  EXPECT_EQ(f.core.stats().busy, 100u);
  EXPECT_EQ(f.core.stats().memory_stall, 120u);
}

TEST(CoreModel, DoubleBufferingHoldsTheThirdTilesLoads) {
  CoreFixture f("load 0 0 64 nbin\ncompute conv 2560\nload 0 64 64 nbin\ncompute conv 2560\n"
                "load 0 128 64 nbin\ncompute conv 2560\n");
  f.core.advance(0, f.ports);
  f.core.transfer_done(TransferKind::load);
  EXPECT_EQ(f.core.advance(10, f.ports), 20u);  // compute 1 until 20; load 2 starts
  f.core.transfer_done(TransferKind::load);
  f.core.advance(15, f.ports);
  EXPECT_EQ(f.ports.transfers.size(), 2u);  // load 4 (tile 2) waits for compute 1
  f.core.advance(20, f.ports);
  ASSERT_EQ(f.ports.transfers.size(), 3u);
  EXPECT_EQ(f.ports.transfers[2].second, 4u);
}

TEST(CoreModel, ALoadWaitsForAnEarlierStoreToTheSameAddresses) {
  CoreFixture f("load 0 0 64 nbin\ncompute conv 256\nstore 1 0 64 nbout\nload 1 0 64 nbin\nload 0 64 64 nbin\n");
  f.core.advance(0, f.ports);
  f.core.transfer_done(TransferKind::load);
  f.core.advance(10, f.ports);
  f.core.advance(11, f.ports);  // compute done: the store starts; load 3 reads what it writes
  ASSERT_EQ(f.ports.transfers.size(), 2u);
  EXPECT_EQ(f.ports.transfers[1], std::make_pair(TransferKind::store, 2u));
  f.core.transfer_done(TransferKind::store);
  f.core.advance(50, f.ports);
  ASSERT_EQ(f.ports.transfers.size(), 3u);
  EXPECT_EQ(f.ports.transfers[2], std::make_pair(TransferKind::load, 3u));
}

TEST(CoreModel, SyncIsAFence) {
  CoreFixture f("load 0 0 64 nbin\nbarrier 0 all\nload 0 64 64 nbin\n");
  f.core.advance(0, f.ports);
  f.core.transfer_done(TransferKind::load);
  EXPECT_EQ(f.core.advance(0, f.ports), 5u);  // the barrier releases 5 later
  EXPECT_EQ(f.ports.transfers.size(), 1u);
  EXPECT_EQ(f.core.position(), 1u);
  f.core.advance(5, f.ports);
  EXPECT_EQ(f.ports.transfers.size(), 2u);
  f.core.transfer_done(TransferKind::load);
  f.core.advance(9, f.ports);
  EXPECT_TRUE(f.core.finished());
  EXPECT_EQ(f.core.stats().finish, 9u);
  EXPECT_EQ(f.core.stats().sync_stall, 5u);
}

}  // namespace
}  // namespace tetris::sim
