#include "memmgr/plan_validator.h"

#include <gtest/gtest.h>

#include "problem_builders.h"

namespace tetris::memmgr {
namespace {

TEST(PlanValidator, AcceptsDisjointConflictingBuffersAndSharedNonConflicting) {
  const Problem problem = fixtures::inclusive_problem({{10, 0, 1}, {20, 1, 2}, {30, 3, 4}});
  const Offset offsets[] = {0, 10, 0};
  EXPECT_FALSE(validate_plan(problem, offsets).has_value());
  EXPECT_EQ(plan_peak(problem, offsets), 30u);
}

TEST(PlanValidator, ReportsTheOverlappingPairAndRanges) {
  const Problem problem = fixtures::inclusive_problem({{10, 0, 1}, {20, 1, 2}});
  const Offset offsets[] = {0, 5};
  const auto violation = validate_plan(problem, offsets);
  ASSERT_TRUE(violation.has_value());
  EXPECT_EQ(violation->kind, ViolationKind::overlap);
  EXPECT_EQ(violation->buffer_a, 0u);
  EXPECT_EQ(violation->buffer_b, 1u);
  EXPECT_EQ(violation->describe(problem), "conflicting pieces overlap: 'b0' at [0, 10) and 'b1' at [5, 25)");
}

TEST(PlanValidator, ChecksPiecesNotWholeBuffers) {
  // Buffer a's second half dies before b is born: b may sit on it, but not on the first half.
  ProblemBuilder builder;
  const BufferId a = builder.add_buffer("a", 20);
  const PieceId a_first = builder.add_piece(a, 0, 10, {0, 10});
  builder.add_piece(a, 10, 10, {0, 2});
  const BufferId b = builder.add_buffer("b", 10);
  const PieceId pb = builder.add_piece(b, 0, 10, {5, 8});
  builder.add_conflict(a_first, pb);
  const Problem problem = builder.build("t");
  const Offset good[] = {0, 10};
  EXPECT_FALSE(validate_plan(problem, good).has_value());
  const Offset bad[] = {0, 5};
  ASSERT_TRUE(validate_plan(problem, bad).has_value());
  EXPECT_EQ(validate_plan(problem, bad)->a_end, 10u);
}

TEST(PlanValidator, ReportsMisalignment) {
  ProblemBuilder builder;
  builder.add_piece(builder.add_buffer("a", 10, 8), 0, 10, {0, 1});
  const Problem problem = builder.build("t");
  const Offset offsets[] = {4};
  const auto violation = validate_plan(problem, offsets);
  ASSERT_TRUE(violation.has_value());
  EXPECT_EQ(violation->kind, ViolationKind::misaligned);
}

TEST(PlanValidator, ReportsABaseAbove2To62AsOutOfRangeNotMisaligned) {
  ProblemBuilder builder;
  builder.add_piece(builder.add_buffer("a", 10, 8), 0, 10, {0, 1});
  const Problem problem = builder.build("t");
  const Offset offsets[] = {(Offset{1} << 62) + 8};  // aligned, but too high
  const auto violation = validate_plan(problem, offsets);
  ASSERT_TRUE(violation.has_value());
  EXPECT_EQ(violation->kind, ViolationKind::out_of_range);
  EXPECT_NE(violation->describe(problem).find("above the highest base"), std::string::npos);
}

TEST(PlanValidator, ReportsOverCapacityByHowMuch) {
  const Problem problem = fixtures::inclusive_problem({{10, 0, 1}, {20, 0, 1}});
  const Offset offsets[] = {0, 10};
  const auto violation = validate_plan(problem, offsets, 25);
  ASSERT_TRUE(violation.has_value());
  EXPECT_EQ(violation->kind, ViolationKind::over_capacity);
  EXPECT_EQ(violation->describe(problem), "the plan needs 30 bytes, 5 more than the capacity of 25");
  EXPECT_FALSE(validate_plan(problem, offsets, 30).has_value());
}

TEST(PlanValidator, ReportsWrongOffsetCount) {
  const Problem problem = fixtures::inclusive_problem({{10, 0, 1}, {20, 0, 1}});
  const Offset offsets[] = {0};
  ASSERT_TRUE(validate_plan(problem, offsets).has_value());
  EXPECT_EQ(validate_plan(problem, offsets)->kind, ViolationKind::wrong_buffer_count);
}

}  // namespace
}  // namespace tetris::memmgr
