#include "memmgr/rigid_pair_bound.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "memmgr/plan_validator.h"
#include "memmgr/planner.h"
#include "problem_builders.h"

#include <fmt/format.h>

namespace tetris::memmgr {
namespace {

// A buffer of `size` bytes cut into 1-6 pieces with random lifespans.
void add_cut_buffer(ProblemBuilder& builder, std::mt19937_64& rng, std::string name, Offset size) {
  auto pick = [&](std::uint64_t lo, std::uint64_t hi) { return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng); };
  const BufferId id = builder.add_buffer(std::move(name), size);
  std::vector<Offset> cuts = {0, size};
  for (std::uint64_t i = pick(0, 5); i > 0; --i) cuts.push_back(pick(1, size - 1));
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    const TimeValue start = pick(0, 20);
    builder.add_piece(id, cuts[i], cuts[i + 1] - cuts[i], {start, start + pick(1, 8)});
  }
}

// Two cut-up buffers: the bound must equal the narrowest span found by trying every
// displacement against the conflict lists themselves.
TEST(RigidPairBound, IsTheTwoBufferOptimumFoundByTryingEveryDisplacement) {
  std::mt19937_64 rng(5);
  int bounded = 0;
  for (int round = 0; round < 400; ++round) {
    ProblemBuilder builder;
    const Offset size_a = 2 + rng() % 40, size_b = 2 + rng() % 40;
    add_cut_buffer(builder, rng, "a", size_a);
    add_cut_buffer(builder, rng, "b", size_b);
    builder.add_lifespan_conflicts();
    const Problem problem = builder.build("two");
    const auto pieces = problem.pieces();
    std::optional<std::int64_t> narrowest;
    bool any_conflict = false;
    const auto a = static_cast<std::int64_t>(size_a), b = static_cast<std::int64_t>(size_b);
    for (std::int64_t d = -b; d <= a; ++d) {  // base(b) - base(a); beyond these the shapes are apart
      bool clash = false;
      for (const Piece& p : problem.pieces_of(0))
        for (const Piece& q : problem.pieces_of(1)) {
          const PieceId pid = static_cast<PieceId>(&p - pieces.data()), qid = static_cast<PieceId>(&q - pieces.data());
          if (!problem.pieces_conflict(pid, qid)) continue;
          any_conflict = true;
          const std::int64_t p_begin = static_cast<std::int64_t>(p.offset), q_begin = d + static_cast<std::int64_t>(q.offset);
          clash |= p_begin < q_begin + static_cast<std::int64_t>(q.size) && q_begin < p_begin + static_cast<std::int64_t>(p.size);
        }
      if (!clash) narrowest = std::min(narrowest.value_or(a + b), std::max(a, d + b) - std::min<std::int64_t>(0, d));
    }
    const auto bound = rigid_pair_bound(problem, CollisionTable(problem));
    ASSERT_EQ(bound.has_value(), any_conflict) << round;
    if (!bound) continue;
    ++bounded;
    ASSERT_EQ(static_cast<std::int64_t>(bound->bytes), narrowest.value_or(a + b)) << round;
  }
  EXPECT_GT(bounded, 100);
}

// B is cut into end pieces of 1 byte and a middle of 2; only its ends conflict with A and C (4 bytes,
// one piece each, conflicting with each other). Wherever B overlaps A (or C) one of its ends
// does, so B must lie apart from both though not every piece of it conflicts: all three need
// 12 bytes, and the bound knows it (a bound counting only buffers in conflict piece by piece
// would stop at 8).
TEST(RigidPairBound, CountsABufferThatMustLieApartThoughOnlyItsEndsConflict) {
  ProblemBuilder builder;
  const BufferId a = builder.add_buffer("a", 4);
  const PieceId a0 = builder.add_piece(a, 0, 4, {0, 10});
  const BufferId b = builder.add_buffer("b", 4);
  const PieceId b0 = builder.add_piece(b, 0, 1, {0, 10});
  builder.add_piece(b, 1, 2, {0, 10});
  const PieceId b2 = builder.add_piece(b, 3, 1, {0, 10});
  const BufferId c = builder.add_buffer("c", 4);
  const PieceId c0 = builder.add_piece(c, 0, 4, {0, 10});
  for (const PieceId end : {b0, b2}) {
    builder.add_conflict(a0, end);
    builder.add_conflict(c0, end);
  }
  builder.add_conflict(a0, c0);
  const Problem problem = builder.build("ends");
  const auto bound = rigid_pair_bound(problem, CollisionTable(problem));
  ASSERT_TRUE(bound.has_value());
  EXPECT_EQ(bound->bytes, 12u);
  EXPECT_EQ(bound->apart.size(), 1u);
  // And a plan meets it: a, b, c side by side is valid.
  EXPECT_FALSE(validate_plan(problem, std::vector<Offset>{0, 4, 8}));
}

// Three or four tiny cut-up buffers: the bound never exceeds the optimum found by trying every
// combination of bases, and is exact often enough to matter.
TEST(RigidPairBound, NeverExceedsTheOptimumOfTinyProblems) {
  std::mt19937_64 rng(17);
  int exact = 0, rounds = 0;
  for (int round = 0; round < 150; ++round) {
    ProblemBuilder builder;
    const int count = 3 + static_cast<int>(rng() % 2);
    std::vector<Offset> sizes;
    for (int b = 0; b < count; ++b) {
      sizes.push_back(2 + rng() % 5);
      add_cut_buffer(builder, rng, fmt::format("b{}", b), sizes.back());
    }
    builder.add_lifespan_conflicts();
    const Problem problem = builder.build("tiny");
    const auto bound = rigid_pair_bound(problem, CollisionTable(problem));
    if (!bound) continue;
    ++rounds;
    Offset total = 0;
    for (Offset size : sizes) total += size;
    // Every base combination with bases below the total size (some optimum lies there).
    Offset optimum = total;
    std::vector<Offset> bases(count, 0);
    while (true) {
      if (!validate_plan(problem, bases)) optimum = std::min(optimum, plan_peak(problem, bases));
      int i = 0;
      while (i < count && ++bases[i] >= total) bases[i++] = 0;
      if (i == count) break;
    }
    ASSERT_LE(bound->bytes, optimum) << "round " << round;
    exact += bound->bytes == optimum;
  }
  EXPECT_GT(rounds, 100);
  EXPECT_GT(exact, rounds / 3) << exact << " of " << rounds;
}

// On random multi-piece problems no valid plan, from any planner, is narrower than the bound.
TEST(RigidPairBound, NoValidPlanIsBelowIt) {
  std::mt19937_64 rng(9);
  PlannerOptions options;
  options.max_generations = 30;
  options.time_limit_seconds = 0.01;  // the bound is checked, not the search
  for (int round = 0; round < 100; ++round) {
    const Problem problem = fixtures::random_problem(rng, false);
    const auto bound = rigid_pair_bound(problem, CollisionTable(problem));
    if (!bound) continue;
    for (const PlannerInfo& planner : planners()) {
      if (planner.interval_problems_only) continue;
      const PlanResult plan = planner.plan(problem, options);
      ASSERT_FALSE(validate_plan(problem, plan.offsets)) << planner.name;
      ASSERT_GE(plan.peak, bound->bytes) << planner.name << " round " << round;
    }
  }
}

// A caller's bound so far only prunes: the same pair and bytes when the bound lies above it,
// nothing when it does not.
TEST(RigidPairBound, AFloorPrunesButNeverChangesTheAnswer) {
  std::mt19937_64 rng(23);
  int pruned = 0;
  for (int round = 0; round < 200; ++round) {
    const Problem problem = fixtures::random_problem(rng, false);
    const CollisionTable collisions(problem);
    const auto full = rigid_pair_bound(problem, collisions);
    if (!full) continue;
    for (const Offset above : {Offset{0}, full->bytes / 2, full->bytes - 1, full->bytes, full->bytes + 1}) {
      const auto floored = rigid_pair_bound(problem, collisions, above);
      if (above >= full->bytes) {
        ASSERT_FALSE(floored.has_value()) << round;
        ++pruned;
        continue;
      }
      ASSERT_TRUE(floored.has_value()) << round;
      EXPECT_EQ(floored->bytes, full->bytes) << round;
      EXPECT_EQ(floored->a, full->a) << round;
      EXPECT_EQ(floored->b, full->b) << round;
      EXPECT_EQ(floored->apart, full->apart) << round;
    }
  }
  EXPECT_GT(pruned, 100);
}

}  // namespace
}  // namespace tetris::memmgr
