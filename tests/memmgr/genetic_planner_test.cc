#include "memmgr/genetic_planner.h"

#include <gtest/gtest.h>

#include <limits>

#include "memmgr/minimalloc_csv.h"
#include "memmgr/placement_decoder.h"
#include "memmgr/plan_validator.h"
#include "memmgr/planner.h"
#include "problem_builders.h"

namespace tetris::memmgr {
namespace {

PlannerOptions budget(std::uint64_t seed, unsigned threads = 2, std::uint64_t generations = 200) {
  PlannerOptions options;
  options.seed = seed;
  options.threads = threads;
  options.max_generations = generations;
  options.time_limit_seconds = 60;
  return options;
}

TEST(GeneticPlanner, ReachesTheOptimumOfTheMinimallocExample) {
  const Problem problem = fixtures::inclusive_problem({{4, 0, 2}, {4, 3, 8}, {4, 0, 8}, {4, 9, 20}, {4, 0, 20}});
  const PlanResult result = plan_tetris(problem, budget(1));
  EXPECT_EQ(result.peak, 12u);
  EXPECT_FALSE(validate_plan(problem, result.offsets, 12).has_value());
}

TEST(GeneticPlanner, StopsAtTheLowerBound) {
  const Problem problem = fixtures::inclusive_problem({{10, 0, 1}, {20, 2, 3}});
  const PlanResult result = plan_tetris(problem, budget(1));
  EXPECT_EQ(result.peak, 20u);
  EXPECT_EQ(result.generations, 0u);
}

// The time to a plan within the capacity: said when there is a capacity and a plan reaches it,
// within the search's own time; not said otherwise.
TEST(GeneticPlanner, SaysWhenItsPlanFirstFitsTheCapacity) {
  const std::string csv = "id,lower,upper,size\n0,0,2,4\n1,3,8,4\n2,0,8,4\n3,9,20,4\n4,0,20,4\n";
  const PlanResult fits = plan_tetris(read_minimalloc_csv(csv, "t.csv", 16), budget(1));
  ASSERT_TRUE(fits.seconds_to_fit.has_value());
  EXPECT_GE(*fits.seconds_to_fit, 0.0);
  EXPECT_LE(*fits.seconds_to_fit, fits.seconds);
  EXPECT_FALSE(plan_tetris(read_minimalloc_csv(csv, "t.csv", 8), budget(1)).seconds_to_fit.has_value());  // optimum 12
  EXPECT_FALSE(plan_tetris(read_minimalloc_csv(csv, "t.csv"), budget(1)).seconds_to_fit.has_value());
}

TEST(GeneticPlanner, SameSeedSamePlanWhateverTheThreadCount) {
  std::mt19937_64 rng(3);
  for (int round = 0; round < 20; ++round) {
    const Problem problem = fixtures::random_problem(rng, round % 2 == 0);
    const PlanResult one = plan_tetris(problem, budget(42, 1, 30));
    const PlanResult two = plan_tetris(problem, budget(42, 2, 30));
    const PlanResult again = plan_tetris(problem, budget(42, 2, 30));
    EXPECT_EQ(one.offsets, two.offsets);
    EXPECT_EQ(two.offsets, again.offsets);
    EXPECT_EQ(one.generations, two.generations);
  }
}

// A time limit already past: the search still returns a valid plan (its first seed) and says the
// limit cut it; with time to spare and a generation budget it does not.
TEST(GeneticPlanner, SaysWhenTheTimeLimitCutItAndStillPlans) {
  std::mt19937_64 rng(8);
  for (int round = 0; round < 10; ++round) {
    const Problem problem = fixtures::random_problem(rng, round % 2 == 0);
    if (problem.buffers().size() < 2) continue;
    PlannerOptions cut = budget(1, 2, 50);
    cut.time_limit_seconds = 0;
    const PlanResult hurried = plan_tetris(problem, cut);
    EXPECT_FALSE(validate_plan(problem, hurried.offsets).has_value()) << round;
    EXPECT_EQ(hurried.generations, 0u) << round;
    EXPECT_TRUE(hurried.time_limited) << round;
    const PlanResult calm = plan_tetris(problem, budget(1, 2, 50));
    EXPECT_FALSE(calm.time_limited) << round;
    EXPECT_LE(calm.peak, hurried.peak) << round;
  }
}

// The work budget stops the search at the same generation whatever the thread count, and before
// a generation budget that would go on.
TEST(GeneticPlanner, TheWorkBudgetStopsItDeterministically) {
  std::mt19937_64 rng(12);
  int stopped = 0;
  for (int round = 0; round < 20; ++round) {
    const Problem problem = fixtures::random_problem(rng, round % 2 == 0);
    PlannerOptions one = budget(7, 1, 100000);
    const PlanResult seeds_only = plan_tetris(problem, [&] { auto o = one; o.max_generations = 0; return o; }());
    one.max_work = seeds_only.work * 3;  // the seeds and a few generations
    PlannerOptions two = one;
    two.threads = 2;
    const PlanResult a = plan_tetris(problem, one), b = plan_tetris(problem, two);
    EXPECT_EQ(a.offsets, b.offsets) << round;
    EXPECT_EQ(a.generations, b.generations) << round;
    EXPECT_FALSE(a.time_limited) << round;
    if (a.peak > problem.lower_bound()) {
      EXPECT_LT(a.generations, 100000u) << round;
      EXPECT_GE(a.work, one.max_work) << round;
      ++stopped;
    }
  }
  EXPECT_GT(stopped, 3);
}

TEST(GeneticPlanner, NeverWorseThanAnyBaseline) {
  // The search seeds its population with the greedy orders and keeps the best it has seen, so on
  // interval problems no baseline may beat it (the naive plan, which any plan matches, is left
  // out: it could not fail).
  std::mt19937_64 rng(5);
  for (int round = 0; round < 40; ++round) {
    const Problem problem = fixtures::random_problem(rng, true);
    const PlanResult tetris = plan_tetris(problem, budget(round, 2, 100));
    for (const PlannerInfo& baseline : planners()) {
      if (baseline.name == "tetris" || baseline.name == "naive") continue;
      const PlanResult other = baseline.plan(problem, {});
      EXPECT_LE(tetris.peak, other.peak) << baseline.name << " round " << round;
    }
    EXPECT_GE(tetris.peak, problem.lower_bound());
  }
}

// The portfolio, rebuilt from its parts: the lowest-first order on an eighth of the work budget;
// where it gives up, one search on the classic seeds with the rest; else two searches with half
// each, the second without the exact phase and seeded lowest-first too. The plan is the better
// of the two (the first on a tie); generations and work are the sums.
TEST(GeneticPlanner, KeepsTheBetterOfItsTwoSearches) {
  std::mt19937_64 rng(17);
  int one_search = 0, second_ran = 0, second_won = 0;
  for (int round = 0; round < 40; ++round) {
    const Problem problem = fixtures::random_problem(rng, round % 2 == 0);
    PlannerOptions options = budget(round, 2, 40);
    options.max_work = round % 5 == 4 ? 400 : 200000;  // some too small for the lowest-first order
    const PlanResult portfolio = plan_tetris(problem, options);
    ASSERT_FALSE(portfolio.time_limited);
    EXPECT_FALSE(validate_plan(problem, portfolio.offsets, portfolio.peak).has_value()) << round;
    EXPECT_GE(portfolio.seconds, 0.0);
    PlacementDecoder decoder(problem);
    std::vector<Offset> offsets(problem.buffers().size());
    const auto lowest_first = decoder.lowest_first_order(offsets, options.max_work / 8);
    const std::uint64_t spent = decoder.work();
    PlannerOptions part = options;
    if (!lowest_first) {
      ++one_search;
      part.max_work = options.max_work - spent;
      const PlanResult only = run_genetic_search(problem, part, {}, true);
      EXPECT_EQ(portfolio.offsets, only.offsets) << round;
      EXPECT_EQ(portfolio.generations, only.generations) << round;
      EXPECT_EQ(portfolio.work, only.work + spent) << round;
      continue;
    }
    part.max_work = options.max_work / 2;
    const PlanResult first = run_genetic_search(problem, part, {}, true);
    if (first.peak <= problem.lower_bound()) {  // nothing left to find: the second is skipped
      EXPECT_EQ(portfolio.offsets, first.offsets) << round;
      EXPECT_EQ(portfolio.generations, first.generations) << round;
      EXPECT_TRUE(portfolio.notes.empty()) << round;
      continue;
    }
    ++second_ran;
    part.max_work = options.max_work / 2 - spent;
    const PlanResult second = run_genetic_search(problem, part, *lowest_first, false);
    EXPECT_EQ(portfolio.peak, std::min(first.peak, second.peak)) << round;
    EXPECT_EQ(portfolio.offsets, second.peak < first.peak ? second.offsets : first.offsets) << round;
    EXPECT_EQ(portfolio.generations, first.generations + second.generations) << round;
    EXPECT_EQ(portfolio.work, first.work + spent + second.work) << round;
    EXPECT_EQ(portfolio.notes, second.peak < first.peak ? "won by the search seeded lowest-first"
                                                        : "won by the search on the classic seeds")
        << round;
    second_won += second.peak < first.peak;
  }
  // Else the test could not tell the paths apart, or which plan is kept.
  EXPECT_GT(one_search, 2);
  EXPECT_GT(second_ran, 5);
  EXPECT_GT(second_won, 0);
}

// 600 buffers of up to 1 KiB, each live up to 60 of 560 steps: dense enough that neither search
// reaches the bound at once.
Problem six_hundred_intervals(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::tuple<Offset, TimeValue, TimeValue>> buffers;
  for (int i = 0; i < 600; ++i) {
    const TimeValue start = static_cast<TimeValue>(rng() % 500);
    buffers.emplace_back(1 + rng() % 64 * 16, start, start + static_cast<TimeValue>(rng() % 60));
  }
  return fixtures::inclusive_problem(buffers);
}

// The lowest-first order has an eighth of the time limit: a limit already past stops it (600
// buffers take more steps than the 256 between two looks at the clock), and the search after it
// still returns a valid plan and says the clock cut it. With time to spare both searches run.
TEST(GeneticPlanner, AClockThatStopsTheLowestFirstOrderStillPlansAndSaysSo) {
  const Problem problem = six_hundred_intervals(23);
  PlannerOptions hurried = budget(1, 2, 20);
  hurried.time_limit_seconds = 0;
  const PlanResult cut = plan_tetris(problem, hurried);
  EXPECT_TRUE(cut.time_limited);
  EXPECT_EQ(cut.generations, 0u);
  EXPECT_FALSE(validate_plan(problem, cut.offsets, cut.peak).has_value());
  const PlanResult calm = plan_tetris(problem, budget(1, 2, 20));
  EXPECT_FALSE(calm.time_limited);
  EXPECT_LE(calm.peak, cut.peak);
  if (calm.peak > problem.lower_bound()) {
    EXPECT_FALSE(calm.notes.empty());  // both searches ran
  }
}

// Where the clock, not the work, ends the portfolio, the first search's evolution stops halfway
// through the time left, so the second search still runs: before, the first took the whole
// limit, and a longer limit with an unbounded budget gave a worse plan than the default.
TEST(GeneticPlanner, WhenTheClockEndsTheSearchBothSearchesGetTime) {
  const Problem problem = six_hundred_intervals(29);
  PlannerOptions options = budget(1, 2, std::numeric_limits<std::uint64_t>::max());
  options.max_work = std::numeric_limits<std::uint64_t>::max();
  // Seconds, not less: the lowest-first order has an eighth of them, and the second search what
  // the first leaves, even on a loaded machine under the sanitizers.
  options.time_limit_seconds = 3.0;
  const PlanResult result = plan_tetris(problem, options);
  // A machine fast enough to reach the bound would make the first search's plan the answer.
  if (result.peak <= problem.lower_bound()) GTEST_SKIP() << "the search reached the bound: nothing left to split";
  EXPECT_TRUE(result.time_limited);
  EXPECT_FALSE(result.notes.empty());  // the second search ran and was compared
  EXPECT_LT(result.seconds, 4.0);
  EXPECT_FALSE(validate_plan(problem, result.offsets, result.peak).has_value());
}

TEST(GeneticPlanner, ReportsProgressWhileSearchingAndTheResultAtTheEnd) {
  // A problem whose search runs some generations (its seeds miss the bound).
  std::mt19937_64 rng(9);
  for (int attempt = 0; attempt < 50; ++attempt) {
    const Problem problem = fixtures::random_problem(rng, false);
    std::vector<SearchProgress> reports;
    PlannerOptions options = budget(1, 2, 30);
    options.on_progress = [&](const SearchProgress& progress) { reports.push_back(progress); };
    const PlanResult result = plan_tetris(problem, options);
    // Both searches ran: the second's reports continue the first's.
    if (result.generations < 2 || result.notes.empty()) continue;
    // One report during the search (the first generation always reports), one at the end.
    ASSERT_GE(reports.size(), 2u);
    EXPECT_LT(reports.front().generation, result.generations);
    for (std::size_t i = 1; i < reports.size(); ++i) {
      EXPECT_GE(reports[i].generation, reports[i - 1].generation);
      EXPECT_LE(reports[i].best_peak, reports[i - 1].best_peak);
    }
    EXPECT_EQ(reports.back().generation, result.generations);
    EXPECT_EQ(reports.back().best_peak, result.peak);
    EXPECT_EQ(reports.back().lower_bound, problem.lower_bound());
    EXPECT_EQ(reports.back().seconds, result.seconds);
    return;
  }
  FAIL() << "no random problem ran both searches";
}

}  // namespace
}  // namespace tetris::memmgr
