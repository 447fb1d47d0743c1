#include "memmgr/problem.h"

#include <gtest/gtest.h>

#include "problem_builders.h"

namespace tetris::memmgr {
namespace {

TEST(Problem, LifespanConflictsAreExactlyTheOverlappingPairs) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 200; ++round) {
    const Problem problem = testing::random_problem(rng, true);
    const auto pieces = problem.pieces();
    std::uint64_t pairs = 0;
    for (PieceId a = 0; a < pieces.size(); ++a) {
      for (PieceId b = a + 1; b < pieces.size(); ++b) {
        const bool overlap = pieces[a].lifespan.overlaps(pieces[b].lifespan);
        const auto list = problem.conflicts(a);
        const bool listed = std::find(list.begin(), list.end(), b) != list.end();
        ASSERT_EQ(overlap, listed) << a << " " << b;
        pairs += overlap;
      }
    }
    EXPECT_EQ(problem.conflict_count(), pairs);
    EXPECT_TRUE(problem.is_interval_problem());
  }
}

TEST(Problem, MaxLiveBytesCountsHalfOpenLifespans) {
  // [0,3) 4, [3,9) 4, [0,9) 4, [9,21) 4, [0,21) 4: never more than three live at once.
  const Problem problem = testing::inclusive_problem({{4, 0, 2}, {4, 3, 8}, {4, 0, 8}, {4, 9, 20}, {4, 0, 20}});
  EXPECT_EQ(problem.lower_bound, 12u);
  EXPECT_EQ(problem.conflict_count(), 6u);
}

TEST(Problem, ExplicitConflictsMakeItNoLongerAnIntervalProblem) {
  ProblemBuilder builder;
  const BufferId a = builder.add_buffer("a", 10);
  const PieceId pa = builder.add_piece(a, 0, 10, {0, 1});
  const BufferId b = builder.add_buffer("b", 10);
  const PieceId pb = builder.add_piece(b, 0, 10, {5, 6});
  builder.add_lifespan_conflicts();
  builder.add_conflict(pa, pb);
  builder.add_conflict(pb, pa);  // duplicates collapse
  const Problem problem = builder.build("t");
  EXPECT_FALSE(problem.is_interval_problem());
  EXPECT_EQ(problem.conflict_count(), 1u);
  EXPECT_EQ(problem.conflicting_buffers(a), std::vector<BufferId>{b});
}

TEST(Problem, PiecesMustLieInsideTheirBuffer) {
  ProblemBuilder builder;
  const BufferId a = builder.add_buffer("a", 10);
  EXPECT_THROW(builder.add_piece(a, 5, 6, {0, 1}), std::invalid_argument);
  EXPECT_THROW(builder.add_buffer("empty", 0), std::invalid_argument);
}

TEST(Problem, BufferLifespanIsTheHullOfItsPieces) {
  ProblemBuilder builder;
  const BufferId a = builder.add_buffer("a", 10);
  builder.add_piece(a, 0, 5, {3, 7});
  builder.add_piece(a, 5, 5, {1, 4});
  const Problem problem = builder.build("t");
  EXPECT_EQ(problem.buffers()[0].lifespan.lower, 1u);
  EXPECT_EQ(problem.buffers()[0].lifespan.upper, 7u);
  EXPECT_EQ(problem.pieces_of(a).size(), 2u);
}

}  // namespace
}  // namespace tetris::memmgr
