// Block plans in the simulator: a trace with blocks is simulated with each block placed at its
// own base (blocks_as_tensors), a safe block plan runs clean, and the checker catches a block
// moved onto a live block of another tensor or of its own tensor. Zoo models lowered in band and
// tile mode run clean under jitter with their Tetris plans.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "common/trace_io.h"
#include "pipeline/pipeline.h"
#include "sim_test_util.h"

namespace tetris::sim {
namespace {

// Two cores each store their half of `a` (block 0 and block 1), then their half of `b`, which a
// second layer reads together with `a` after a barrier: every block of a and b is live at once.
const char* kTwoTensorsInBlocks = R"(tetris-trace 2
cores 2
element_bytes 2
layer 0 produce conv
layer 1 consume add
tensor 0 x 256 input -
tensor 1 a 256 activation produce
tensor 2 b 256 activation produce
tensor 3 y 256 output consume
block 1 128
block 2 128
core 0
layer produce
load 0 0 128 nbin
compute conv 100
store 1 0 128 nbout
store 2 0 128 nbout
barrier 0 all
layer consume
load 1 0 128 nbin
load 2 0 128 nbin
compute eltwise 64
store 3 0 128 nbout
core 1
layer produce
load 0 128 128 nbin
compute conv 100
store 1 128 128 nbout
store 2 128 128 nbout
barrier 0 all
layer consume
load 1 128 128 nbin
load 2 128 128 nbin
compute eltwise 64
store 3 128 128 nbout
)";

RunResult simulate_with(std::vector<std::pair<std::string, std::uint64_t>> offsets) {
  const Program program = blocks_as_tensors(read_trace(kTwoTensorsInBlocks, "blocks.trace"));
  const MachineConfig config = fixtures::machine(2);
  const AddressMap addresses = AddressMap::from_plan(program, config, fixtures::plan(std::move(offsets)), "p");
  return Simulator(program, config, addresses).run();
}

TEST(BlockPlans, ASafeBlockPlanRunsClean) {
  // x and y share bytes (x dies before y is written); every block of a and b apart.
  const RunResult r = simulate_with({{"x", 0}, {"a#0", 256}, {"a#1", 384}, {"b#0", 512}, {"b#1", 640}, {"y", 0}});
  EXPECT_EQ(r.conflict_count, 0u);
  EXPECT_FALSE(r.deadlock.has_value());
}

TEST(BlockPlans, ABlockMovedOntoALiveBlockOfItsOwnTensorIsCaught) {
  const RunResult r = simulate_with({{"x", 0}, {"a#0", 256}, {"a#1", 256}, {"b#0", 512}, {"b#1", 640}, {"y", 0}});
  EXPECT_GT(r.conflict_count, 0u);
}

TEST(BlockPlans, ABlockMovedOntoALiveBlockOfAnotherTensorIsCaught) {
  const RunResult r = simulate_with({{"x", 0}, {"a#0", 256}, {"a#1", 384}, {"b#0", 512}, {"b#1", 384}, {"y", 0}});
  EXPECT_GT(r.conflict_count, 0u);
}

// Every zoo model in `mode`, both syncs, 4 cores: the Tetris plan runs clean under jitter.
void expect_zoo_runs_clean(workloads::BlockMode mode) {
  for (const char* model : {"alexnet", "vgg16", "resnet18", "resnet50", "googlenet", "mobilenet-v1", "mobilenet-v2",
                            "squeezenet-v1.1"})
    for (const auto sync : {workloads::SyncMode::barrier, workloads::SyncMode::p2p}) {
      SCOPED_TRACE(fmt::format("{} {} {}", model, workloads::to_string(sync), workloads::to_string(mode)));
      const MachineConfig config = load_machine_config("cambricon-x-4core");
      workloads::LoweringOptions lowering;
      lowering.sync = sync;
      lowering.blocks = mode;
      const pipeline::Lowered lowered = pipeline::lower({.model = model, .batch = 1}, config, lowering);
      ASSERT_TRUE(has_blocks(lowered.program)) << model;
      pipeline::AnalysisOptions analysis;
      analysis.alignment = config.memory.alignment_bytes;
      const memmgr::Problem problem =
          pipeline::analyse_at(pipeline::Level::instruction, lowered.program, analysis, model);
      memmgr::PlannerOptions search;
      search.max_generations = 20;
      const bool tiles = mode == workloads::BlockMode::tile || mode == workloads::BlockMode::mixed;
      if (tiles) search.max_work = std::uint64_t{1} << 24;  // problems with tiles are big; any safe plan will do
      const pipeline::Plan plan = pipeline::plan(problem, pipeline::Level::instruction,
                                                 *memmgr::find_planner("tetris"), search);
      ASSERT_FALSE(plan.violation.has_value());
      const Program blocks = blocks_as_tensors(lowered.program);
      const SimReport report =
          pipeline::simulate(blocks, config, plan.file, model, "tetris", {.jitter_seed = 1, .runs = tiles ? 1u : 3u});
      for (const RunResult& run : report.runs) {
        EXPECT_EQ(run.conflict_count, 0u);
        EXPECT_FALSE(run.deadlock.has_value());
      }
    }
}

TEST(BlockPlans, EveryZooModelInBandsRunsCleanUnderJitterWithItsTetrisPlan) {
  expect_zoo_runs_clean(workloads::BlockMode::band);
}

// Tiles cut inputs at every load, which once left an input block nobody reads; the preload then
// overwrote the input block placed on it.
TEST(BlockPlans, EveryZooModelInTilesRunsCleanUnderJitterWithItsTetrisPlan) {
  expect_zoo_runs_clean(workloads::BlockMode::tile);
}

// Mixed: bands, the big activations in tiles, in one program.
TEST(BlockPlans, EveryZooModelInMixedBlocksRunsCleanUnderJitterWithItsTetrisPlan) {
  expect_zoo_runs_clean(workloads::BlockMode::mixed);
}

}  // namespace
}  // namespace tetris::sim
