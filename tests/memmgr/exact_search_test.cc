#include "memmgr/exact_search.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "memmgr/minimalloc_csv.h"
#include "memmgr/naive_planner.h"
#include "memmgr/plan_validator.h"
#include "problem_builders.h"

namespace tetris::memmgr {
namespace {

const Problem kReadmeExample =
    fixtures::inclusive_problem({{4, 0, 2}, {4, 3, 8}, {4, 0, 8}, {4, 9, 20}, {4, 0, 20}});

TEST(ExactSearch, FindsTheOptimumOfTheMinimallocExample) {
  const ExactSearchResult result = search_fit(kReadmeExample, 12, {100000});
  ASSERT_EQ(result.answer, FitAnswer::fits);
  EXPECT_FALSE(validate_plan(kReadmeExample, result.offsets, 12).has_value());
  EXPECT_EQ(result.order.size(), 5u);
}

TEST(ExactSearch, ProvesThatLessThanTheBoundDoesNotFit) {
  EXPECT_EQ(search_fit(kReadmeExample, 11, {100000}).answer, FitAnswer::does_not_fit);
}

TEST(ExactSearch, AnswersOnRandomProblemsAreSound) {
  std::mt19937_64 rng(77);
  int fits = 0;
  for (int round = 0; round < 300; ++round) {
    const Problem problem = fixtures::random_problem(rng, true, round % 3 == 0 ? 8 : 1);
    // Below the lower bound nothing fits; at the no-reuse peak everything does.
    EXPECT_NE(search_fit(problem, problem.lower_bound() - 1, {20000}).answer, FitAnswer::fits);
    const Offset naive = plan_naive(problem, {}).peak;
    for (Offset capacity : {problem.lower_bound(), naive}) {
      const ExactSearchResult result = search_fit(problem, capacity, {20000});
      if (result.answer != FitAnswer::fits) {
        EXPECT_NE(capacity, naive) << "round " << round;
        continue;
      }
      ++fits;
      const auto violation = validate_plan(problem, result.offsets, capacity);
      ASSERT_FALSE(violation.has_value()) << "round " << round << ": " << violation->describe(problem);
    }
  }
  EXPECT_GT(fits, 300);
}

// A node costs scans of its part's buffers and sections: a step budget stops a search whose node
// budget would take minutes, at about the steps it was given, and the answer is then unknown.
TEST(ExactSearch, StopsAtItsStepBudget) {
  const std::filesystem::path file =
      std::filesystem::path(TETRIS_SHARED_DIR) / "benchmarks/minimalloc-challenging/D.1048576.csv";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "../shared is absent: " << file;
  const Problem problem = read_minimalloc_csv_file(file.string());
  // Between D's bound and its capacity: unanswered within a thousand nodes.
  const Offset target = problem.lower_bound() + (*problem.capacity() - problem.lower_bound()) / 2;
  const ExactSearchResult by_nodes = search_fit(problem, target, {1000});
  ASSERT_EQ(by_nodes.answer, FitAnswer::unknown);
  ASSERT_GT(by_nodes.steps, 10000000u);
  const ExactSearchResult bounded = search_fit(problem, target, {1000, 2000000});
  EXPECT_EQ(bounded.answer, FitAnswer::unknown);
  EXPECT_GE(bounded.steps, 2000000u);
  EXPECT_LT(bounded.steps, 3000000u);  // a node or two past the budget (a D node: about 74,000)
  EXPECT_LT(bounded.nodes, by_nodes.nodes);
}

TEST(ExactSearch, SolvesChallengingInstancesAtCapacity) {
  const std::filesystem::path dir = std::filesystem::path(TETRIS_SHARED_DIR) / "benchmarks/minimalloc-challenging";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "../shared is absent: " << dir;
  for (const char* name : {"C", "E"}) {
    const Problem problem = read_minimalloc_csv_file((dir / (std::string(name) + ".1048576.csv")).string());
    const ExactSearchResult result = search_fit(problem, *problem.capacity(), {2000000});
    ASSERT_EQ(result.answer, FitAnswer::fits) << name;
    EXPECT_FALSE(validate_plan(problem, result.offsets, *problem.capacity()).has_value()) << name;
  }
}

}  // namespace
}  // namespace tetris::memmgr
