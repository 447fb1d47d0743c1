// Multicast groups: on every zoo model they only annotate loads (the program without them is the
// plain lowering, byte for byte), every group is one layer's identical loads, and the grouped
// program can always complete; a crossed order drops a group instead of deadlocking.
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
        EXPECT_EQ(write_trace(without_groups(grouped)), write_trace(plain));
        ASSERT_NO_THROW(validate_program(grouped, "grouped"));
        ASSERT_NO_THROW(memmgr::HappensBefore::analyze(grouped, "grouped"));
        EXPECT_EQ(test_support::find_race(grouped), std::nullopt);
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
  Program p = read_trace("tetris-trace 1\ncores 2\nelement_bytes 2\nlayer 0 l conv\ntensor 0 w 128 weight -\n"
                         "core 0\nlayer l\nload 0 0 64 sb\nload 0 64 64 sb\ncompute conv 64\n"
                         "core 1\nlayer l\nload 0 64 64 sb\nload 0 0 64 sb\ncompute conv 64\n",
                         "crossed.trace");
  const MulticastSummary summary = group_multicast_loads(p);
  EXPECT_EQ(summary.groups, 1u);
  EXPECT_EQ(summary.loads, 2u);
  EXPECT_EQ(summary.dropped_groups, 1u);
  ASSERT_EQ(p.multicasts.size(), 1u);
  EXPECT_NO_THROW(memmgr::HappensBefore::analyze(p, "crossed"));
  // The k-th load of the same bytes pairs with the k-th: core 0 loads a twice, core 1 once.
  Program twice = read_trace("tetris-trace 1\ncores 2\nelement_bytes 2\nlayer 0 l conv\ntensor 0 w 128 weight -\n"
                             "core 0\nlayer l\nload 0 0 64 sb\ncompute conv 64\nload 0 0 64 sb\ncompute conv 64\n"
                             "core 1\nlayer l\nload 0 0 64 sb\ncompute conv 64\n",
                             "twice.trace");
  EXPECT_EQ(group_multicast_loads(twice).groups, 1u);
  EXPECT_EQ(std::get<Load>(twice.streams[0][0].op).multicast, MulticastId{0});
  EXPECT_EQ(std::get<Load>(twice.streams[0][2].op).multicast, std::nullopt);
}

}  // namespace
}  // namespace tetris::workloads
