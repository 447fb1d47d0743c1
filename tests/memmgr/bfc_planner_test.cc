#include "memmgr/bfc_planner.h"

#include <gtest/gtest.h>

#include "memmgr/plan_validator.h"
#include "problem_builders.h"

namespace tetris::memmgr {
namespace {

TEST(BfcAllocator, TwentyOneBinsOfPowersOfTwoFrom256) {
  EXPECT_EQ(BfcAllocator::bin_for_size(1), 0);
  EXPECT_EQ(BfcAllocator::bin_for_size(256), 0);
  EXPECT_EQ(BfcAllocator::bin_for_size(511), 0);
  EXPECT_EQ(BfcAllocator::bin_for_size(512), 1);
  EXPECT_EQ(BfcAllocator::bin_for_size(256ull << 19), 19);
  EXPECT_EQ(BfcAllocator::bin_for_size(256ull << 20), 20);
  EXPECT_EQ(BfcAllocator::bin_for_size(1ull << 50), 20);
}

TEST(BfcAllocator, RoundsBestFitsSplitsAndCoalesces) {
  BfcAllocator bfc(1 << 20);
  EXPECT_EQ(bfc.allocate(1000), 0u);     // rounded to 1024
  EXPECT_EQ(bfc.allocate(100), 1024u);   // rounded to 256
  bfc.free(0);                           // [0, 1024) free again
  EXPECT_EQ(bfc.allocate(256), 0u);      // best fit is the 1024 chunk, split (1024 >= 2 x 256)
  EXPECT_EQ(bfc.allocate(600), 256u);    // 768 fits the 768 remainder exactly
  EXPECT_EQ(bfc.high_water(), 1280u);
  bfc.free(256);
  bfc.free(0);
  bfc.free(1024);                        // everything coalesces into one chunk again
  EXPECT_EQ(bfc.allocate(1 << 19), 0u);
}

TEST(BfcAllocator, DoesNotSplitBelowTwiceTheRequest) {
  BfcAllocator bfc(1 << 20);
  const Offset a = bfc.allocate(1024);
  const Offset guard = bfc.allocate(256);
  bfc.free(a);
  EXPECT_EQ(bfc.allocate(768), a);       // 1024 < 2 x 768: the whole chunk is handed out
  EXPECT_EQ(bfc.allocate(256), guard + 256);  // so the next request goes past the guard
}

TEST(BfcPlanner, FreesBeforeAllocationsAtTheSameTime) {
  // b starts when a ends (half-open): b reuses a's chunk.
  const Problem problem = fixtures::inclusive_problem({{1024, 0, 0}, {1024, 1, 1}});
  const PlanResult result = plan_bfc(problem, {});
  EXPECT_EQ(result.offsets, (std::vector<Offset>{0, 0}));
  EXPECT_EQ(result.peak, 1024u);
}

TEST(BfcPlanner, PeakIncludesRounding) {
  const Problem problem = fixtures::inclusive_problem({{100, 0, 1}, {100, 0, 1}});
  const PlanResult result = plan_bfc(problem, {});
  EXPECT_EQ(result.offsets, (std::vector<Offset>{0, 256}));
  EXPECT_EQ(result.peak, 512u);
  EXPECT_FALSE(validate_plan(problem, result.offsets).has_value());
}

}  // namespace
}  // namespace tetris::memmgr
