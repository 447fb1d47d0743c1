#include "memmgr/placement_decoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>
#include <random>
#include <numeric>

#include "memmgr/plan_validator.h"
#include "problem_builders.h"

namespace tetris::memmgr {
namespace {

TEST(PlacementDecoder, DropsEachBufferToTheLowestFreeBase) {
  const Problem problem = fixtures::inclusive_problem({{10, 0, 1}, {20, 1, 2}, {5, 0, 2}});
  PlacementDecoder decoder(problem);
  std::vector<Offset> offsets(3);
  const BufferId order[] = {1, 0, 2};
  EXPECT_EQ(decoder.decode(order, offsets), 35u);
  EXPECT_EQ(offsets, (std::vector<Offset>{20, 0, 30}));
}

// A deadline already past stops the packing after the first stride of buffers: the rest are
// stacked above the peak, so the plan stays valid, and the decoder says it was interrupted. The
// same order without a deadline packs normally.
TEST(PlacementDecoder, APastDeadlineStacksTheRestAndStaysValid) {
  std::vector<std::tuple<Offset, std::uint64_t, std::uint64_t>> spans;
  for (std::uint64_t i = 0; i < 3 * PlacementDecoder::kDeadlineStride; ++i) spans.emplace_back(64 + i % 7, i, i + 3);
  const Problem problem = fixtures::inclusive_problem(spans);
  std::vector<BufferId> order(problem.buffers().size());
  std::iota(order.begin(), order.end(), 0);
  PlacementDecoder decoder(problem);
  std::vector<Offset> packed(order.size()), cut(order.size());
  const Offset full = decoder.decode(order, packed);
  EXPECT_FALSE(decoder.interrupted());
  const Offset stacked = decoder.decode(order, cut, 0, std::chrono::steady_clock::now() - std::chrono::seconds(1));
  EXPECT_TRUE(decoder.interrupted());
  EXPECT_GT(stacked, full);
  EXPECT_FALSE(validate_plan(problem, cut, stacked).has_value());
  // The first stride was packed as without a deadline.
  for (std::size_t i = 0; i + 1 < PlacementDecoder::kDeadlineStride; ++i) EXPECT_EQ(cut[order[i]], packed[order[i]]) << i;
}

TEST(PlacementDecoder, ARigidMultiPieceShapeNestsIntoAnother) {
  // b conflicts only with a's low half; a's high half is dead before b is born, so b takes
  // those bytes: peak 20 where whole-tensor liveness would need 30.
  ProblemBuilder builder;
  const BufferId a = builder.add_buffer("a", 20);
  const PieceId low = builder.add_piece(a, 0, 10, {0, 10});
  builder.add_piece(a, 10, 10, {0, 2});
  const BufferId b = builder.add_buffer("b", 10);
  const PieceId pb = builder.add_piece(b, 0, 10, {5, 8});
  builder.add_conflict(low, pb);
  const Problem problem = builder.build("t");
  PlacementDecoder decoder(problem);
  std::vector<Offset> offsets(2);
  const BufferId order[] = {0, 1};
  EXPECT_EQ(decoder.decode(order, offsets), 20u);
  EXPECT_EQ(offsets, (std::vector<Offset>{0, 10}));
}

TEST(PlacementDecoder, RespectsAlignment) {
  ProblemBuilder builder;
  builder.add_piece(builder.add_buffer("a", 10, 16), 0, 10, {0, 2});
  builder.add_piece(builder.add_buffer("b", 10, 16), 0, 10, {0, 2});
  builder.add_lifespan_conflicts();
  const Problem problem = builder.build("t");
  PlacementDecoder decoder(problem);
  std::vector<Offset> offsets(2);
  const BufferId order[] = {0, 1};
  EXPECT_EQ(decoder.decode(order, offsets), 26u);
  EXPECT_EQ(offsets[1], 16u);
}

TEST(PlacementDecoder, PrefixReuseGivesTheSameResultAsAFullDecode) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 300; ++round) {
    const Problem problem = fixtures::random_problem(rng, round % 2 == 0, round % 3 == 0 ? 8 : 1);
    const std::size_t n = problem.buffers().size();
    std::vector<BufferId> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    PlacementDecoder decoder(problem);
    std::vector<Offset> offsets(n);
    decoder.decode(order, offsets);
    ASSERT_FALSE(validate_plan(problem, offsets).has_value());
    const std::size_t keep = rng() % (n + 1);
    std::shuffle(order.begin() + keep, order.end(), rng);
    std::vector<Offset> incremental = offsets, full(n);
    const Offset peak_incremental = decoder.decode(order, incremental, keep);
    const Offset peak_full = decoder.decode(order, full);
    ASSERT_EQ(incremental, full);
    ASSERT_EQ(peak_incremental, peak_full);
  }
}

// The optimality argument in placement_decoder.h, checked: decoding an optimal plan's buffers
// in order of their offsets reproduces a plan at least as good.
// Each buffer lands at the lowest aligned base where none of its pieces overlaps a conflicting
// piece of a buffer placed before it, found here by trying every base from 0 against the
// conflict lists themselves. Dense problems (every pair conflicting, many equal sizes) put many
// intervals at the same start and stack them high, as block problems do.
TEST(PlacementDecoder, EqualsBruteForcePlacementOnRandomProblems) {
  std::mt19937_64 rng(29);
  for (int round = 0; round < 300; ++round) {
    const Offset alignment = round % 3 == 0 ? 8 : 1;
    const Problem problem = round % 4 == 3 ? fixtures::inclusive_problem([&] {
      std::vector<std::tuple<Offset, TimeValue, TimeValue>> dense;  // all alive at time 5
      for (int i = 0; i < 30; ++i) dense.emplace_back(1 + rng() % 4 * 16, rng() % 5, 5 + rng() % 5);
      return dense;
    }())
                                           : fixtures::random_problem(rng, round % 2 == 0, alignment);
    const std::size_t n = problem.buffers().size();
    std::vector<BufferId> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    PlacementDecoder decoder(problem);
    std::vector<Offset> offsets(n, 0);
    decoder.decode(order, offsets);
    const auto pieces = problem.pieces();
    std::vector<bool> placed(n, false);
    std::vector<Offset> expected(n, 0);
    for (const BufferId b : order) {
      const Offset step = problem.buffers()[b].alignment;
      for (Offset base = 0;; base += step) {
        bool clash = false;
        for (const Piece& p : problem.pieces_of(b))
          for (const PieceRange& run : problem.conflict_runs(static_cast<PieceId>(&p - pieces.data())))
            for (PieceId q = run.begin; q < run.end && !clash; ++q) {
              const Piece& other = pieces[q];
              if (!placed[other.buffer]) continue;
              const Offset p_begin = base + p.offset, q_begin = expected[other.buffer] + other.offset;
              clash = p_begin < q_begin + other.size && q_begin < p_begin + p.size;
            }
        if (!clash) {
          expected[b] = base;
          break;
        }
      }
      placed[b] = true;
    }
    ASSERT_EQ(offsets, expected) << "round " << round;
  }
}

// Each step of the lowest-first order places a buffer whose lowest base, given the buffers
// placed before it, is no higher than that of any buffer still unplaced (ties: no smaller), found
// here by decoding the prefix with each candidate appended; its bases are those of a plain decode
// of the order it returns.
TEST(PlacementDecoder, LowestFirstOrderPlacesTheLowestBufferAtEachStep) {
  std::mt19937_64 rng(31);
  for (int round = 0; round < 60; ++round) {
    const Problem problem = fixtures::random_problem(rng, round % 2 == 0, round % 3 == 0 ? 8 : 1);
    const std::size_t n = problem.buffers().size();
    PlacementDecoder decoder(problem);
    std::vector<Offset> offsets(n, 0);
    const auto order = decoder.lowest_first_order(offsets, std::uint64_t{1} << 40);
    ASSERT_TRUE(order.has_value());
    ASSERT_EQ(order->size(), n);
    std::vector<Offset> decoded(n, 0);
    PlacementDecoder plain(problem);
    plain.decode(*order, decoded);
    EXPECT_EQ(offsets, decoded) << round;
    std::vector<bool> placed(n, false);
    for (std::size_t step = 0; step < n; ++step) {
      const BufferId chosen = (*order)[step];
      for (BufferId other = 0; other < n; ++other) {
        if (placed[other] || other == chosen) continue;
        std::vector<BufferId> probe(order->begin(), order->begin() + static_cast<std::ptrdiff_t>(step));
        probe.push_back(other);
        std::vector<Offset> probed(n, 0);
        plain.decode(probe, probed);
        ASSERT_LE(offsets[chosen], probed[other]) << "round " << round << " step " << step;
        if (offsets[chosen] == probed[other]) {
          ASSERT_GE(problem.buffers()[chosen].size, problem.buffers()[other].size) << "round " << round;
        }
      }
      placed[chosen] = true;
    }
  }
}

// Past its work budget it gives up instead of running on: a dense problem re-evaluates many
// buffers per step.
TEST(PlacementDecoder, LowestFirstOrderGivesUpPastItsBudget) {
  const Problem problem = fixtures::inclusive_problem({{4, 0, 9}, {8, 0, 9}, {2, 0, 9}, {6, 0, 9}});
  PlacementDecoder decoder(problem);
  std::vector<Offset> offsets(4, 0);
  EXPECT_FALSE(decoder.lowest_first_order(offsets, 3).has_value());
  const auto order = decoder.lowest_first_order(offsets, 1000);
  ASSERT_TRUE(order.has_value());
  EXPECT_EQ(*order, (std::vector<BufferId>{1, 3, 0, 2}));  // all conflict: the larger lands lower
  EXPECT_EQ(offsets, (std::vector<Offset>{14, 0, 18, 8}));
}

TEST(PlacementDecoder, OrderOfAnOptimalPlanReproducesIt) {
  // MiniMalloc's README example with its optimal solution (peak 12).
  const Problem problem = fixtures::inclusive_problem({{4, 0, 2}, {4, 3, 8}, {4, 0, 8}, {4, 9, 20}, {4, 0, 20}});
  const std::vector<Offset> optimal = {8, 8, 4, 4, 0};
  std::vector<BufferId> order = {0, 1, 2, 3, 4};
  std::stable_sort(order.begin(), order.end(), [&](BufferId a, BufferId b) { return optimal[a] < optimal[b]; });
  PlacementDecoder decoder(problem);
  std::vector<Offset> offsets(5);
  EXPECT_LE(decoder.decode(order, offsets), 12u);
}

}  // namespace
}  // namespace tetris::memmgr
