// Lowering stage 1 on its own: items partition each step's output across the cores exactly,
// tiles fit the buffers, trace tensors are named once, and barrier steps are the steps with work.
#include "workloads/work_items.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include <fmt/format.h>

#include "common/machine_config.h"
#include "workloads/model_loader.h"
#include "workloads/model_yaml.h"
#include "small_models.h"

namespace tetris::workloads {
namespace {

using fixtures::kTwoConvs;

TEST(WorkItems, RegionsCoverEachOutputExactlyOnce) {
  for (const std::uint32_t cores : {1u, 4u, 16u})
    for (const PartitionMode mode : {PartitionMode::rows, PartitionMode::channels, PartitionMode::automatic}) {
      const MachineConfig config = load_machine_config(fmt::format("cambricon-x-{}core", cores));
      const Model model = load_model("resnet18", {2, 2});
      const WorkPlan work = build_work_items(model, config, {true, SyncMode::barrier, mode});
      ASSERT_EQ(work.cores, cores);
      ASSERT_EQ(work.items.size(), work.layers.size());
      for (const auto& step : work.items)
        for (const WorkItem& item : step) {
          ASSERT_EQ(item.regions.size(), cores);
          // Count every output (row, channel) cell the cores' regions claim.
          const Extent& e = item.out.shape;
          std::uint64_t cells = 0;
          for (std::size_t a = 0; a < cores; ++a) {
            const CoreRegion& ra = item.regions[a];
            if (ra.empty()) continue;
            cells += (ra.r1 - ra.r0) * (ra.c1 - ra.c0);
            EXPECT_LE(ra.r1, e.n * e.h);
            EXPECT_LE(ra.c1, e.c);
            for (std::size_t b = a + 1; b < cores; ++b) {
              const CoreRegion& rb = item.regions[b];
              const bool apart = rb.empty() || ra.r1 <= rb.r0 || rb.r1 <= ra.r0 || ra.c1 <= rb.c0 || rb.c1 <= ra.c0;
              EXPECT_TRUE(apart) << "cores " << a << " and " << b << " share output cells";
            }
          }
          EXPECT_EQ(cells, e.n * e.h * e.c);
        }
    }
}

// --partition auto: weights decide. A late layer (7 x 7 output rows, 4.5 MiB of weights) split by
// rows would make each of 16 cores load every weight, so channel groups win; an early layer
// (224 rows, 3 input channels: 3 KiB of weights) keeps the rows partition.
TEST(WorkItems, AutoPartitionSplitsWeightHeavyLayersByChannelsAndKeepsRowsOtherwise) {
  const MachineConfig config = load_machine_config("cambricon-x-16core");
  const TileBudget budget = TileBudget::of(config);
  const double macs = static_cast<double>(config.core.pe_count * config.core.macs_per_pe_per_cycle);
  ConvGeometry late;
  late.in = {1, 7, 7, 512};
  late.out = {1, 7, 7, 512};
  late.kernel_h = late.kernel_w = 3, late.pad_top = late.pad_left = 1;
  const auto heavy = choose_partition(late, budget, 16, macs);
  ASSERT_TRUE(heavy);
  EXPECT_GE(heavy->groups, 8u) << "7 rows and 4.5 MiB of weights: mostly channel groups";
  // Its estimate beats the rows grid's, whose every core loads all the weights.
  const auto rows_grid = partition_grid(late.out, 16, 1);
  std::uint64_t busy = 0;
  for (const CoreRegion& r : rows_grid) busy += !r.empty();
  EXPECT_EQ(busy, 7u) << "only 7 row bands exist";
  ConvGeometry early;
  early.in = {1, 224, 224, 3};
  early.out = {1, 224, 224, 64};
  early.kernel_h = early.kernel_w = 3, early.pad_top = early.pad_left = 1;
  const auto light = choose_partition(early, budget, 16, macs);
  ASSERT_TRUE(light);
  EXPECT_EQ(light->groups, 1u);
  EXPECT_EQ(light->regions[0].c1, 64u) << "a row band holds every channel";
  EXPECT_EQ(light->regions[15].r1, 224u);
}

// The tile of each candidate grid is chosen with the cores that have a part sharing the bus, even
// when the caller's budget says one core: MobileNet-v1's conv2_dw on 4 cores takes whole-channel
// tiles (docs/lowering.md, "Tiling"), where a core alone would take strided channel slices.
TEST(WorkItems, AutoPartitionChoosesTilesWithTheCoresSharingTheBus) {
  const MachineConfig config = load_machine_config("cambricon-x-4core");
  TileBudget alone = TileBudget::of(config);
  alone.bus_sharers = 1;
  const double macs = static_cast<double>(config.core.pe_count * config.core.macs_per_pe_per_cycle);
  ConvGeometry dw;
  dw.in = dw.out = {1, 112, 112, 32};
  dw.kernel_h = dw.kernel_w = 3, dw.pad_top = dw.pad_left = 1;
  dw.groups = 32, dw.param_rows = 4;
  const auto choice = choose_partition(dw, alone, 4, macs);
  ASSERT_TRUE(choice);
  EXPECT_EQ(choice->groups, 1u);
  EXPECT_EQ(choice->tiling.out_channels, 32u);
  const auto by_itself = choose_conv_tiling(dw, alone, 28, 32);
  ASSERT_TRUE(by_itself);
  EXPECT_LT(by_itself->out_channels, 32u);
}

// ResNet-50 on 16 cores: the automatic partition moves fewer bytes than rows and than channels
// (every core loads every weight under rows; every core reads the whole input under channels).
TEST(WorkItems, AutoPartitionMovesFewerBytesThanEitherEndOnResNet50) {
  const MachineConfig config = load_machine_config("cambricon-x-16core");
  const Model model = load_model("resnet50", {1, 2});
  std::map<PartitionMode, double> traffic;
  for (const PartitionMode mode : {PartitionMode::rows, PartitionMode::channels, PartitionMode::automatic}) {
    const WorkPlan work = build_work_items(model, config, {true, SyncMode::barrier, mode});
    for (const auto& step : work.items)
      for (const WorkItem& item : step)
        if (item.kind == ItemKind::conv) {
          std::uint64_t busy = 0;
          for (const CoreRegion& r : item.regions) busy += !r.empty();
          traffic[mode] += static_cast<double>(busy) * item.conv_tiling.traffic_bytes;
        }
  }
  EXPECT_LT(traffic[PartitionMode::automatic], 0.8 * traffic[PartitionMode::rows]);
  EXPECT_LT(traffic[PartitionMode::automatic], 0.8 * traffic[PartitionMode::channels]);
}

TEST(WorkItems, TensorsAreNamedOnceAndViewsHaveNoItems) {
  const MachineConfig config = load_machine_config("cambricon-x-4core");
  const WorkPlan work = build_work_items(load_model("googlenet", {1, 2}), config, {});
  std::set<std::string> names;
  for (const Tensor& t : work.tensors) EXPECT_TRUE(names.insert(t.name).second) << t.name;
  // Every item reads and writes tensors of the plan.
  for (const auto& step : work.items)
    for (const WorkItem& item : step) {
      EXPECT_LT(item.out.tensor, work.tensors.size());
      for (const Placement& in : item.in) EXPECT_LT(in.tensor, work.tensors.size());
    }
}

TEST(WorkItems, BarrierStepsAreTheStepsWithWorkBeforeTheLast) {
  const Model model = parse_model_yaml(kTwoConvs, "two.yaml", {1, 2});
  const WorkPlan four = build_work_items(model, load_machine_config("cambricon-x-4core"), {true, SyncMode::barrier, PartitionMode::rows});
  // conv a (relu fused into it) then conv b: one barrier, after a.
  ASSERT_EQ(four.items.size(), 2u);
  EXPECT_EQ(four.barrier_steps(), std::vector<std::uint32_t>{0});
  const WorkPlan one = build_work_items(model, load_machine_config("cambricon-x-1core"), {});
  EXPECT_TRUE(one.barrier_steps().empty());
}

TEST(WorkItems, AHaloConvReadsTheRowsAroundItsBand) {
  const Model model = parse_model_yaml(kTwoConvs, "two.yaml", {1, 2});
  const WorkPlan work = build_work_items(model, load_machine_config("cambricon-x-4core"), {});
  const WorkItem& conv = work.items[1].front();
  ASSERT_EQ(conv.kind, ItemKind::conv);
  // Core 1 computes rows 8..15 of 32; a 3x3 window with padding 1 reads rows 7..16.
  const CoreRegion& r = conv.regions[1];
  EXPECT_EQ(r.r0, 8u);
  EXPECT_EQ(r.r1, 16u);
  const Box read = footprint(conv, 0, {0, 1, r.r0, r.r1, 0, 32, r.c0, r.c1});
  EXPECT_EQ(read.h0, 7u);
  EXPECT_EQ(read.h1, 17u);
}

}  // namespace
}  // namespace tetris::workloads
