#include "memmgr/problem_io.h"

#include <gtest/gtest.h>

#include "common/input_error.h"
#include "memmgr/plan_io.h"
#include "memmgr/plan_validator.h"
#include "memmgr/planner.h"
#include "problem_builders.h"

namespace tetris::memmgr {
namespace {

TEST(ProblemIo, JsonRoundTripKeepsPiecesConflictsAndBound) {
  std::mt19937_64 rng(8);
  for (int round = 0; round < 100; ++round) {
    const Problem problem = testing::random_problem(rng, round % 2 == 0, 8);
    const std::string text = problem_to_json(problem);
    const Problem again = read_problem(text, "p.json");
    ASSERT_EQ(again.buffers().size(), problem.buffers().size());
    ASSERT_EQ(again.pieces().size(), problem.pieces().size());
    EXPECT_EQ(again.conflict_count(), problem.conflict_count());
    EXPECT_EQ(again.lower_bound, problem.lower_bound);
    EXPECT_EQ(problem_to_json(again), text);
  }
}

TEST(ProblemIo, MinimallocCsvOnlyForIntervalProblems) {
  const Problem interval = testing::inclusive_problem({{4, 0, 2}, {8, 1, 3}});
  EXPECT_EQ(problem_to_minimalloc_csv(interval), "id,lower,upper,size\nb0,0,3,4\nb1,1,4,8\n");
  std::mt19937_64 rng(1);
  EXPECT_THROW(problem_to_minimalloc_csv(testing::random_problem(rng, false)), std::invalid_argument);
}

TEST(ProblemIo, MalformedProblemsNameTheFile) {
  for (const char* text : {"buffers: 3", "[1, 2", "buffers:\n  - {name: a, size: 0, pieces: []}",
                           "buffers:\n  - {name: a, size: 8, pieces: [[0, 8, 0]]}",
                           "buffers:\n  - {name: a, size: 8, pieces: [[0, 8, 0, 1]]}\nconflicts: [[0, 5]]"}) {
    try {
      read_problem(text, "bad.json");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const InputError& e) {
      EXPECT_EQ(e.where().file, "bad.json") << e.what();
    }
  }
}

TEST(PlanIo, YamlAndJsonPlansReadBackToTheSameOffsets) {
  const Problem problem = testing::inclusive_problem({{10, 0, 1}, {20, 1, 2}, {30, 2, 3}});
  const PlanResult result = find_planner("greedy-size")->plan(problem, {});
  const PlanFile file = make_plan_file(problem, result, 7);
  for (const std::string& text : {plan_to_yaml(file), plan_to_json(file)}) {
    const PlanFile again = read_plan(text, "plan");
    EXPECT_EQ(offsets_for(problem, again, "plan"), result.offsets);
    EXPECT_EQ(again.seed, 7u);
    EXPECT_EQ(again.peak_bytes, result.peak);
  }
}

TEST(PlanIo, APlanMustNameEveryBufferOnce) {
  const Problem problem = testing::inclusive_problem({{10, 0, 1}, {20, 1, 2}});
  EXPECT_THROW(offsets_for(problem, read_plan("offsets: {b0: 0}", "p"), "p"), InputError);
  EXPECT_THROW(offsets_for(problem, read_plan("offsets: {b0: 0, b1: 0, zz: 4}", "p"), "p"), InputError);
  EXPECT_THROW(read_plan("offsets: {b0: 0, b0: 4}", "p"), InputError);
  EXPECT_THROW(read_plan("offsets: {b0: -4}", "p"), InputError);
  EXPECT_THROW(read_plan("speed: 3\noffsets: {}", "p"), InputError);
  // Found by fuzz_plan: a complex (list) key used to escape as a yaml-cpp exception.
  EXPECT_THROW(read_plan("offsets:\n  \"in\": 0\n? \"y\": 0\n", "p"), InputError);
  EXPECT_THROW(read_plan("? [a, b]\n: 1\noffsets: {}\n", "p"), InputError);
}

}  // namespace
}  // namespace tetris::memmgr
