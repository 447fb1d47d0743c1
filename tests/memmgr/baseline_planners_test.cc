// The baselines against their upstream unit tests (vectors in each planner's header source).
#include <gtest/gtest.h>

#include "memmgr/greedy_by_breadth_planner.h"
#include "memmgr/greedy_by_size_planner.h"
#include "memmgr/naive_planner.h"
#include "memmgr/plan_validator.h"
#include "memmgr/tflm_greedy_planner.h"
#include "memmgr/xla_best_fit_planner.h"
#include "problem_builders.h"

namespace tetris::memmgr {
namespace {

using fixtures::inclusive_problem;
using Offsets = std::vector<Offset>;

// tflite-micro greedy_memory_planner_test.cc, TestGreedyMedium.
TEST(TflmGreedy, UpstreamMediumCase) {
  const Problem problem = inclusive_problem({{10, 0, 1}, {20, 1, 2}, {30, 2, 3}, {40, 3, 4}, {50, 0, 1}});
  const PlanResult result = plan_tflm_greedy(problem, {});
  EXPECT_EQ(result.offsets, (Offsets{50, 70, 40, 0, 0}));
  EXPECT_EQ(result.peak, 90u);
}

// tflite-micro greedy_memory_planner_test.cc, TestOverlapCase (asserts the maximum only).
TEST(TflmGreedy, UpstreamOverlapCase) {
  const Problem problem = inclusive_problem({{100, 0, 1}, {50, 2, 3}, {20, 1, 2}});
  EXPECT_EQ(plan_tflm_greedy(problem, {}).peak, 120u);
}

// tflite/delegates/gpu/common/memory_management_test.cc, ChainRecords, GREEDY_BY_SIZE offsets.
TEST(GreedyBySize, UpstreamChainRecords) {
  const Problem problem = inclusive_problem({{16, 0, 1}, {8, 1, 2}, {64, 2, 3}, {32, 3, 4}, {8, 4, 5}});
  const PlanResult result = plan_greedy_by_size(problem, {});
  EXPECT_EQ(result.offsets, (Offsets{0, 64, 0, 64, 0}));
  EXPECT_EQ(result.peak, 96u);
}

// Same file, ComplexRecords.
TEST(GreedyBySize, UpstreamComplexRecords) {
  const Problem problem = inclusive_problem(
      {{32, 0, 1}, {32, 1, 4}, {8, 2, 5}, {16, 3, 5}, {8, 4, 5}, {64, 5, 7}, {8, 6, 8}, {8, 7, 8}, {16, 8, 9}});
  const PlanResult result = plan_greedy_by_size(problem, {});
  EXPECT_EQ(result.offsets, (Offsets{0, 32, 80, 64, 88, 0, 64, 72, 0}));
  EXPECT_EQ(result.peak, 96u);
}

// No upstream offset test exists; ChainRecords by hand: the broadest moment (64 and 32 live)
// is placed first, then the others fill the gaps below.
TEST(GreedyByBreadth, ChainRecordsByHand) {
  const Problem problem = inclusive_problem({{16, 0, 1}, {8, 1, 2}, {64, 2, 3}, {32, 3, 4}, {8, 4, 5}});
  const PlanResult result = plan_greedy_by_breadth(problem, {});
  EXPECT_EQ(result.offsets, (Offsets{0, 64, 0, 64, 0}));
  EXPECT_EQ(result.peak, 96u);
}

// xla heap_simulator_test.cc, GlobalDecreasingSizeBestFitHeapTest.BestFit.
TEST(XlaBestFit, UpstreamBestFit) {
  const Problem problem = inclusive_problem({{10, 0, 3}, {20, 1, 6}, {40, 2, 7}, {30, 4, 8}, {50, 5, 9}});
  const PlanResult result = plan_xla_best_fit(problem, {});
  EXPECT_EQ(result.offsets, (Offsets{90, 120, 50, 90, 0}));
  EXPECT_EQ(result.peak, 140u);
  EXPECT_EQ(result.notes, "spatial order");
}

// Same file, DecreasingSize.
TEST(XlaBestFit, UpstreamDecreasingSize) {
  const Problem problem = inclusive_problem({{10, 0, 4}, {30, 1, 5}, {20, 2, 6}, {40, 3, 7}});
  const PlanResult result = plan_xla_best_fit(problem, {});
  EXPECT_EQ(result.offsets, (Offsets{90, 40, 70, 0}));
  EXPECT_EQ(result.peak, 100u);
}

// Same file, DecreasingSizeWithAlignment (alignment 20).
TEST(XlaBestFit, UpstreamDecreasingSizeWithAlignment) {
  ProblemBuilder builder;
  const std::tuple<Offset, TimeValue, TimeValue> records[] = {{10, 0, 3}, {20, 1, 5}, {50, 2, 6}, {40, 4, 7}};
  for (const auto& [size, first, last] : records)
    builder.add_piece(builder.add_buffer(fmt::format("b{}", size), size, 20), 0, size, {first, last + 1});
  builder.add_lifespan_conflicts();
  const Problem problem = builder.build("t");
  const PlanResult result = plan_xla_best_fit(problem, {});
  EXPECT_EQ(result.offsets, (Offsets{60, 100, 0, 60}));
  EXPECT_EQ(result.peak, 120u);
}

TEST(Naive, StacksAlignedBuffers) {
  ProblemBuilder builder;
  builder.add_piece(builder.add_buffer("a", 10, 8), 0, 10, {0, 1});
  builder.add_piece(builder.add_buffer("b", 3, 8), 0, 3, {5, 6});
  const Problem problem = builder.build("t");
  const PlanResult result = plan_naive(problem, {});
  EXPECT_EQ(result.offsets, (Offsets{0, 16}));
  EXPECT_EQ(result.peak, 19u);
}

}  // namespace
}  // namespace tetris::memmgr
