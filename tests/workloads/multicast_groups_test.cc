// Multicast groups: on every zoo model the grouped program is sound (no race, every byte stored
// once, tiles fit), every group is one layer's identical loads, the stage is deterministic and the
// program can always complete; a crossed order drops a group instead of deadlocking, and loads
// that their cores reach far apart or that are small stay plain.
#include "workloads/multicast_groups.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>

#include "common/trace_io.h"
#include "memmgr/happens_before.h"
#include "tests/support/program_checks.h"
#include "workloads/builtin_models.h"
#include "workloads/lowering.h"
#include "workloads/model_loader.h"

namespace tetris::workloads {
namespace {

MachineConfig machine(std::uint32_t cores, bool multicast) {
  MachineConfig config = load_machine_config(fmt::format("cambricon-x-{}core", cores));
  config.memory.multicast = multicast ? 1 : 0;
  return config;
}

Program without_groups(Program p) {
  p.multicasts.clear();
  for (auto& stream : p.streams)
    for (Instruction& i : stream)
      if (auto* load = std::get_if<Load>(&i.op)) load->multicast.reset();
  return p;
}

TEST(MulticastGroups, ZooProgramsOnlyGainGroupsAndAlwaysComplete) {
  for (const std::string& name : builtin_model_names())
    for (const std::uint32_t cores : {4u, 16u})
      for (const SyncMode sync : {SyncMode::barrier, SyncMode::p2p}) {
        SCOPED_TRACE(fmt::format("{} on {} cores, {}", name, cores, to_string(sync)));
        const Model model = load_model(name, {1, 2});
        LoweringOptions options;
        options.sync = sync;
        const Program plain = lower(model, machine(cores, false), options);
        const Program grouped = lower(model, machine(cores, true), options);
        EXPECT_TRUE(plain.multicasts.empty());
        // The stage only annotates loads, and the same loads give the same groups.
        Program again = without_groups(grouped);
        group_multicast_loads(again);
        EXPECT_EQ(write_trace(again), write_trace(grouped));
        ASSERT_NO_THROW(validate_program(grouped, "grouped"));
        ASSERT_NO_THROW(memmgr::HappensBefore::analyze(grouped, "grouped"));
        EXPECT_EQ(test_support::find_race(grouped), std::nullopt);
        EXPECT_EQ(test_support::find_store_error(grouped), std::nullopt);
        EXPECT_EQ(test_support::find_buffer_overflow(grouped, machine(cores, true).core), std::nullopt);
        // Every group: one layer, each participant once; most of the cores' shared loads grouped.
        std::map<MulticastId, std::optional<LayerId>> layer;
        std::uint64_t members = 0;
        for (CoreId c = 0; c < grouped.cores; ++c)
          for (const Instruction& i : grouped.streams[c])
            if (const auto* load = std::get_if<Load>(&i.op); load && load->multicast) {
              ++members;
              const auto [it, inserted] = layer.try_emplace(*load->multicast, i.layer);
              EXPECT_EQ(it->second, i.layer);
            }
        EXPECT_EQ(layer.size(), grouped.multicasts.size());
        std::uint64_t participants = 0;
        for (const auto& [id, cores_of] : grouped.multicasts) participants += cores_of.size();
        EXPECT_EQ(members, participants);
        EXPECT_GT(grouped.multicasts.size(), 0u);
      }
}

// Core 0 loads a then b, core 1 b then a, in one layer: as two groups they would wait for each
// other forever, so one is left plain.
TEST(MulticastGroups, ACrossedOrderLeavesOneGroupPlain) {
  // Both loads at positions 0 and 1/2 of each core's two: within an eighth only with 8+ loads, so
  // six small plain loads follow on each core.
  const std::string tail = "load 0 2048 512 nbin\nload 0 2560 512 nbin\nload 0 3072 512 nbin\nload 0 3584 512 nbin\n"
                           "load 0 4096 512 nbin\nload 0 4608 512 nbin\ncompute conv 64\n";
  Program p = read_trace("tetris-trace 1\ncores 2\nelement_bytes 2\nlayer 0 l conv\ntensor 0 w 8192 weight -\n"
                         "core 0\nlayer l\nload 0 0 1024 sb\nload 0 1024 1024 sb\n" + tail +
                         "core 1\nlayer l\nload 0 1024 1024 sb\nload 0 0 1024 sb\n" + tail,
                         "crossed.trace");
  const MulticastSummary summary = group_multicast_loads(p);
  EXPECT_EQ(summary.groups, 7u);  // one of the crossed two, and the six in the tail
  EXPECT_EQ(summary.loads, 14u);
  EXPECT_EQ(summary.dropped_groups, 1u);
  EXPECT_NE(std::get<Load>(p.streams[0][0].op).multicast.has_value(),
            std::get<Load>(p.streams[0][1].op).multicast.has_value());
  EXPECT_NO_THROW(memmgr::HappensBefore::analyze(p, "crossed"));
}

TEST(MulticastGroups, FarApartOrSmallLoadsStayPlain) {
  // The k-th load of the same bytes pairs with the k-th: core 0 loads a twice, core 1 once.
  Program twice = read_trace("tetris-trace 1\ncores 2\nelement_bytes 2\nlayer 0 l conv\ntensor 0 w 2048 weight -\n"
                             "core 0\nlayer l\nload 0 0 1024 sb\ncompute conv 64\nload 0 0 1024 sb\ncompute conv 64\n"
                             "core 1\nlayer l\nload 0 0 1024 sb\ncompute conv 64\n",
                             "twice.trace");
  EXPECT_EQ(group_multicast_loads(twice).groups, 1u);
  EXPECT_EQ(std::get<Load>(twice.streams[0][0].op).multicast, MulticastId{0});
  EXPECT_EQ(std::get<Load>(twice.streams[0][2].op).multicast, std::nullopt);
  // Neighbouring bands' halo: core 0 reads the shared rows last of its 9 loads, core 1 first.
  std::string core0 = "core 0\nlayer l\n", core1 = "core 1\nlayer l\n";
  for (int i = 0; i < 8; ++i) {
    core0 += fmt::format("load 0 {} 1024 nbin\ncompute conv 64\n", i * 1024);
    core1 += fmt::format("load 0 {} 1024 nbin\ncompute conv 64\n", (9 + i) * 1024);
  }
  Program halo = read_trace("tetris-trace 1\ncores 2\nelement_bytes 2\nlayer 0 l conv\ntensor 0 x 20480 input -\n" +
                                core0 + "load 0 8192 1024 nbin\ncompute conv 64\n" +
                                core1.replace(core1.find("load"), 0, "load 0 8192 1024 nbin\ncompute conv 64\n"),
                            "halo.trace");
  EXPECT_EQ(group_multicast_loads(halo).groups, 0u);
  // Under kMinMulticastBytes: plain, however many cores load it.
  Program small = read_trace(fmt::format("tetris-trace 1\ncores 2\nelement_bytes 2\nlayer 0 l conv\ntensor 0 w 2048 weight -\n"
                                         "core 0\nlayer l\nload 0 0 {0} sb\ncore 1\nlayer l\nload 0 0 {0} sb\n",
                                         kMinMulticastBytes - 2),
                             "small.trace");
  EXPECT_EQ(group_multicast_loads(small).groups, 0u);
}

}  // namespace
}  // namespace tetris::workloads
