// Sets of pairwise conflicting pieces (clique_bound.h) against brute force: on random multi-piece
// problems every subset is tried, and the set grown from the pieces alive at the peak must be one
// whose pairs all conflict or share a buffer, never lighter than its start, and as heavy as the
// heaviest on most problems.
#include "memmgr/clique_bound.h"

#include <gtest/gtest.h>

#include <random>

#include "memmgr/genetic_planner.h"
#include "memmgr/plan_validator.h"
#include "memmgr/problem_io.h"
#include "problem_builders.h"

namespace tetris::memmgr {
namespace {

bool apart(const Problem& problem, PieceId a, PieceId b) {
  return problem.pieces()[a].buffer == problem.pieces()[b].buffer || problem.pieces_conflict(a, b);
}

Offset bytes_of(const Problem& problem, std::span<const PieceId> pieces) {
  Offset bytes = 0;
  for (const PieceId p : pieces) bytes += problem.pieces()[p].size;
  return bytes;
}

// The heaviest set of pieces that pairwise lie apart, by trying every subset (n <= 16).
Offset heaviest_by_brute_force(const Problem& problem) {
  const auto n = static_cast<PieceId>(problem.pieces().size());
  std::vector<std::uint32_t> apart_mask(n, 0);
  for (PieceId a = 0; a < n; ++a)
    for (PieceId b = 0; b < n; ++b)
      if (a != b && apart(problem, a, b)) apart_mask[a] |= 1u << b;
  Offset best = 0;
  for (std::uint32_t set = 1; set < (1u << n); ++set) {
    bool clique = true;
    Offset bytes = 0;
    for (PieceId a = 0; a < n && clique; ++a)
      if (set & (1u << a)) {
        clique = (set & ~(1u << a) & ~apart_mask[a]) == 0;
        bytes += problem.pieces()[a].size;
      }
    if (clique) best = std::max(best, bytes);
  }
  return best;
}

// Up to 5 buffers of 1-3 pieces with random lifespans, plus random extra conflicts (as races
// add at instruction level), at most 15 pieces.
Problem small_problem(std::mt19937_64& rng) {
  auto pick = [&](std::uint64_t lo, std::uint64_t hi) { return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng); };
  ProblemBuilder builder;
  const auto buffers = pick(2, 5);
  for (std::uint64_t i = 0; i < buffers; ++i) {
    const auto pieces = pick(1, 3);
    const BufferId b = builder.add_buffer(fmt::format("b{}", i), pieces * 100);
    for (std::uint64_t p = 0; p < pieces; ++p) {
      const TimeValue lower = pick(0, 20);
      builder.add_piece(b, p * 100, 100 - pick(0, 60), {lower, lower + pick(1, 6)});
    }
  }
  builder.add_lifespan_conflicts();
  const auto n = builder.piece_count();
  for (int k = static_cast<int>(pick(0, 12)); k > 0; --k) {
    const auto a = static_cast<PieceId>(pick(0, n - 1)), b = static_cast<PieceId>(pick(0, n - 1));
    if (builder.buffer_of(a) != builder.buffer_of(b)) builder.add_conflict(a, b);
  }
  return builder.build("small");
}

TEST(CliqueBound, GrowsAValidSetThatBruteForceCannotOutweighOnMostProblems) {
  std::mt19937_64 rng(11);
  int optimal = 0, heavier_than_start = 0;
  const int rounds = 300;
  for (int round = 0; round < rounds; ++round) {
    const Problem problem = small_problem(rng);
    const std::vector<PieceId> start = pieces_at_max_live(problem.pieces());
    const Clique clique = heavier_clique(problem, start);
    ASSERT_TRUE(std::is_sorted(clique.pieces.begin(), clique.pieces.end()));
    EXPECT_EQ(clique.bytes, bytes_of(problem, clique.pieces));
    for (std::size_t i = 0; i < clique.pieces.size(); ++i)
      for (std::size_t j = i + 1; j < clique.pieces.size(); ++j)
        ASSERT_TRUE(apart(problem, clique.pieces[i], clique.pieces[j]))
            << "round " << round << ": pieces " << clique.pieces[i] << " and " << clique.pieces[j];
    EXPECT_GE(clique.bytes, bytes_of(problem, start)) << "round " << round;
    const Offset best = heaviest_by_brute_force(problem);
    ASSERT_LE(clique.bytes, best) << "round " << round;
    optimal += clique.bytes == best;
    heavier_than_start += clique.bytes > bytes_of(problem, start);
    // The problem's own bound is at least this heavy, and no plan beats it.
    EXPECT_GE(problem.lower_bound(), clique.bytes) << "round " << round;
    PlannerOptions options;
    options.max_generations = 5;
    EXPECT_GE(plan_tetris(problem, options).peak, problem.lower_bound()) << "round " << round;
  }
  EXPECT_GE(heavier_than_start, rounds / 2);  // 203 of 300
  EXPECT_GE(optimal, rounds * 9 / 10);        // 285 of 300
}

// The case the search is for: the peak's pieces are the bands of one tensor (A) and the start of
// the next (B); another tensor's pieces (C, an input's halo rows) conflict with every band of A
// but died before B was born, and weigh more than B. Trading B for C is the heavier set.
TEST(CliqueBound, TradesTheCutsLighterPartForHeavierPiecesThatNeverMeetIt) {
  ProblemBuilder builder;
  std::vector<PieceId> a_pieces, b_pieces, c_pieces;
  const BufferId a = builder.add_buffer("a", 400);
  for (Offset i = 0; i < 4; ++i) a_pieces.push_back(builder.add_piece(a, i * 100, 100, {2 + i, 20}));
  const BufferId b = builder.add_buffer("b", 60);
  for (Offset i = 0; i < 3; ++i) b_pieces.push_back(builder.add_piece(b, i * 20, 20, {12 + i, 30}));
  // Halo rows read by another core: unordered with all of A's writes, so they conflict with them
  // (explicit conflicts, as the instruction-level analysis adds), though one interleaving ends them early.
  const BufferId c = builder.add_buffer("c", 90);
  for (Offset i = 0; i < 3; ++i) c_pieces.push_back(builder.add_piece(c, i * 30, 30, {0, 3}));
  builder.add_lifespan_conflicts();
  for (const PieceId x : c_pieces)
    for (const PieceId y : a_pieces) builder.add_conflict(x, y);
  const Problem problem = builder.build("halo");
  const std::vector<PieceId> start = pieces_at_max_live(problem.pieces());
  ASSERT_EQ(bytes_of(problem, start), 460u);  // A and B: 400 + 60
  const Clique clique = heavier_clique(problem, start);
  std::vector<PieceId> expected = a_pieces;
  expected.insert(expected.end(), c_pieces.begin(), c_pieces.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(clique.pieces, expected);
  EXPECT_EQ(clique.bytes, 490u);
  EXPECT_EQ(problem.lower_bound(), 490u);
  EXPECT_NE(problem.lower_bound_source().find("pairwise conflict"), std::string::npos) << problem.lower_bound_source();
  ASSERT_EQ(problem.lower_bound_witness().size(), expected.size());
}

// A problem file may list a conflicting pair twice, alone and in a row: the pair must still count
// once, or a piece that conflicts with one member twice would pass for one apart from two. Here c
// conflicts with a only; a and b are alive together. a at 0, b and c at 100 is a plan of 200 bytes.
TEST(CliqueBound, APairListedTwiceInAFileCountsOnce) {
  const Problem problem = read_problem(R"({"buffers": [
      {"name": "a", "size": 100, "pieces": [[0, 100, 0, 1]]},
      {"name": "b", "size": 100, "pieces": [[0, 100, 0, 1]]},
      {"name": "c", "size": 100, "pieces": [[0, 100, 5, 5]]}],
    "conflicts": [[0, 2], [0, 1, 2]]})",
                                       "twice.json");
  EXPECT_EQ(problem.conflict_runs(0), (std::vector<PieceRange>{{1, 2}, {2, 3}}));  // one run per buffer
  EXPECT_EQ(problem.lower_bound(), 200u) << problem.lower_bound_source();
  EXPECT_EQ(heavier_clique(problem, std::vector<PieceId>{0, 1}).bytes, 200u);
  EXPECT_FALSE(validate_plan(problem, std::vector<Offset>{0, 100, 100}).has_value());
}

TEST(CliqueBound, AnEmptyStartStaysEmpty) {
  const Problem problem = fixtures::inclusive_problem({{4, 0, 2}, {4, 1, 3}});
  const Clique clique = heavier_clique(problem, {});
  EXPECT_TRUE(clique.pieces.empty());
  EXPECT_EQ(clique.bytes, 0u);
}

}  // namespace
}  // namespace tetris::memmgr
