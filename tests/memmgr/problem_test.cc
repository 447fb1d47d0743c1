#include "memmgr/problem.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include <fmt/format.h>

#include "problem_builders.h"

namespace tetris::memmgr {
namespace {

TEST(Problem, LifespanConflictsAreExactlyTheOverlappingPairs) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 200; ++round) {
    const Problem problem = fixtures::random_problem(rng, true);
    const auto pieces = problem.pieces();
    std::uint64_t pairs = 0;
    for (PieceId a = 0; a < pieces.size(); ++a) {
      for (PieceId b = a + 1; b < pieces.size(); ++b) {
        const bool overlap = pieces[a].lifespan.overlaps(pieces[b].lifespan);
        const bool listed = problem.pieces_conflict(a, b);
        ASSERT_EQ(listed, problem.pieces_conflict(b, a));
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
  const Problem problem = fixtures::inclusive_problem({{4, 0, 2}, {4, 3, 8}, {4, 0, 8}, {4, 9, 20}, {4, 0, 20}});
  EXPECT_EQ(problem.lower_bound(), 12u);
  EXPECT_EQ(problem.conflict_count(), 6u);
}

TEST(Problem, PiecesAtMaxLiveAreTheOnesLiveAtTheFirstPeak) {
  // Sizes 4, 4, 4, 4, 4 as above (peak 12 first at time 0: pieces 0, 2 and 4), then a 9 that
  // alone with the 4s makes a later, higher peak: [10, 12) 9 beside [9, 21) and [0, 21).
  const Problem first = fixtures::inclusive_problem({{4, 0, 2}, {4, 3, 8}, {4, 0, 8}, {4, 9, 20}, {4, 0, 20}});
  EXPECT_EQ(pieces_at_max_live(first.pieces()), (std::vector<PieceId>{0, 2, 4}));
  const Problem later =
      fixtures::inclusive_problem({{4, 0, 2}, {4, 3, 8}, {4, 0, 8}, {4, 9, 20}, {4, 0, 20}, {9, 10, 11}});
  const std::vector<PieceId> live = pieces_at_max_live(later.pieces());
  EXPECT_EQ(live, (std::vector<PieceId>{3, 4, 5}));
  Offset bytes = 0;
  for (const PieceId p : live) bytes += later.pieces()[p].size;
  EXPECT_EQ(bytes, max_live_bytes(later.pieces()));
  EXPECT_TRUE(pieces_at_max_live({}).empty());
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

TEST(Problem, ConflictRunsMatchThePairsAddedOneByOne) {
  // Random conflicts added as ranges (spanning the piece's own buffer, overlapping, repeated)
  // and one by one must give the same symmetric relation, stored as maximal runs.
  std::mt19937_64 rng(11);
  for (int round = 0; round < 100; ++round) {
    ProblemBuilder by_range, by_pair;
    std::vector<BufferId> owner;
    const int buffers = 2 + static_cast<int>(rng() % 6);
    for (int b = 0; b < buffers; ++b) {
      const int pieces = 1 + static_cast<int>(rng() % 5);
      for (ProblemBuilder* builder : {&by_range, &by_pair}) {
        const BufferId id = builder->add_buffer(fmt::format("b{}", b), 8 * pieces);
        for (int i = 0; i < pieces; ++i) builder->add_piece(id, 8 * i, 8, {0, 1});
      }
      owner.insert(owner.end(), pieces, static_cast<BufferId>(b));
    }
    const auto n = static_cast<PieceId>(owner.size());
    for (int k = 0; k < 12; ++k) {
      const auto p = static_cast<PieceId>(rng() % n), first = static_cast<PieceId>(rng() % n);
      const auto end = static_cast<PieceId>(first + rng() % (n - first + 1));
      by_range.add_conflicts(p, {first, end});
      for (PieceId q = first; q < end; ++q) by_pair.add_conflict(q, p);
    }
    const Problem a = by_range.build("ranges"), b = by_pair.build("pairs");
    ASSERT_EQ(a.conflict_count(), b.conflict_count());
    std::uint64_t pairs = 0;
    for (PieceId p = 0; p < n; ++p) {
      const std::vector<PieceRange> runs = a.conflict_runs(p);
      ASSERT_TRUE(std::ranges::equal(runs, b.conflict_runs(p)));
      for (std::size_t i = 0; i < runs.size(); ++i) {
        ASSERT_LT(runs[i].begin, runs[i].end);
        ASSERT_EQ(owner[runs[i].begin], owner[runs[i].end - 1]);  // one buffer's pieces
        if (i > 0) {
          ASSERT_LE(runs[i - 1].end, runs[i].begin);
          // maximal: adjacent only where a buffer's pieces end and the next buffer's begin
          if (runs[i - 1].end == runs[i].begin) {
            ASSERT_NE(owner[runs[i - 1].begin], owner[runs[i].begin]);
          }
        }
      }
      for (PieceId q = 0; q < n; ++q) {
        ASSERT_EQ(a.pieces_conflict(p, q), a.pieces_conflict(q, p));
        if (owner[p] == owner[q]) {
          ASSERT_FALSE(a.pieces_conflict(p, q));
        }
        pairs += a.pieces_conflict(p, q);
      }
    }
    EXPECT_EQ(pairs, 2 * a.conflict_count());
  }
}

TEST(Problem, BuffersNeedingMoreThan2Pow60BytesAreRefused) {
  // Bases never exceed the sum of the sizes, so that sum bounds every address a planner makes.
  ProblemBuilder fits, overflows;
  for (ProblemBuilder* builder : {&fits, &overflows}) {
    const BufferId a = builder->add_buffer("a", kMaxProblemBytes / 2);
    builder->add_piece(a, 0, kMaxProblemBytes / 2, {0, 1});
    const Offset b_size = builder == &fits ? kMaxProblemBytes / 2 : kMaxProblemBytes / 2 + 1;
    const BufferId b = builder->add_buffer("b", b_size);
    builder->add_piece(b, 0, b_size, {0, 1});
    builder->add_lifespan_conflicts();
  }
  EXPECT_EQ(fits.build("fits").lower_bound(), kMaxProblemBytes);
  EXPECT_THROW(overflows.build("overflows"), std::invalid_argument);
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
