// Every planner on thousands of random problems, each plan checked by the one validator.
#include <gtest/gtest.h>

#include "memmgr/plan_validator.h"
#include "memmgr/planner.h"
#include "problem_builders.h"

namespace tetris::memmgr {
namespace {

class EveryPlanner : public ::testing::TestWithParam<std::string_view> {
 protected:
  // The Tetris planner runs an exact search per problem; fewer rounds keep the suite quick.
  int rounds() const { return GetParam() == "tetris" ? 300 : 1500; }
};

TEST_P(EveryPlanner, PlansRandomIntervalProblemsSafely) {
  const PlannerInfo& planner = *find_planner(GetParam());
  PlannerOptions options;
  options.max_generations = 5;
  options.time_limit_seconds = 1;
  std::mt19937_64 rng(1234);
  for (int round = 0; round < rounds(); ++round) {
    const Problem problem = fixtures::random_problem(rng, true, round % 4 == 0 ? 64 : 1);
    const PlanResult result = planner.plan(problem, options);
    const auto violation = validate_plan(problem, result.offsets);
    ASSERT_FALSE(violation.has_value()) << "round " << round << ": " << violation->describe(problem);
    ASSERT_GE(result.peak, problem.lower_bound());
    ASSERT_GE(result.peak, plan_peak(problem, result.offsets));
  }
}

TEST_P(EveryPlanner, PlansRandomMultiPieceProblemsSafely) {
  if (find_planner(GetParam())->interval_problems_only) GTEST_SKIP() << "BFC follows the lifespan schedule; it is only safe on interval problems";
  const PlannerInfo& planner = *find_planner(GetParam());
  PlannerOptions options;
  options.max_generations = 5;
  options.time_limit_seconds = 1;
  std::mt19937_64 rng(4321);
  for (int round = 0; round < rounds(); ++round) {
    const Problem problem = fixtures::random_problem(rng, false, round % 4 == 0 ? 64 : 1);
    const PlanResult result = planner.plan(problem, options);
    const auto violation = validate_plan(problem, result.offsets);
    ASSERT_FALSE(violation.has_value()) << "round " << round << ": " << violation->describe(problem);
  }
}

INSTANTIATE_TEST_SUITE_P(Planners, EveryPlanner,
                         ::testing::Values("tetris", "naive", "tf-bfc", "tflm-greedy", "greedy-size",
                                           "greedy-breadth", "xla-best-fit"),
                         [](const auto& info) {
                           std::string name(info.param);
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(PlannerRegistry, KnowsEveryPlannerByName) {
  EXPECT_EQ(planners().size(), 7u);
  EXPECT_EQ(find_planner("nonexistent"), nullptr);
  for (const auto& planner : planners()) EXPECT_EQ(find_planner(planner.name), &planner);
}

}  // namespace
}  // namespace tetris::memmgr
