#include "memmgr/minimalloc_csv.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/input_error.h"
#include "memmgr/genetic_planner.h"
#include "memmgr/plan_validator.h"

namespace tetris::memmgr {
namespace {

// MiniMalloc's README example (capacity 12) and its published solution.
constexpr const char* kExample = "id,lower,upper,size\nb1,0,3,4\nb2,3,9,4\nb3,0,9,4\nb4,9,21,4\nb5,0,21,4\n";

TEST(MinimallocCsv, ReadsTheReadmeExample) {
  const Problem problem = read_minimalloc_csv(kExample, "example.12.csv");
  ASSERT_EQ(problem.buffers().size(), 5u);
  EXPECT_EQ(problem.buffers()[1].name, "b2");
  EXPECT_EQ(problem.buffers()[1].lifespan.lower, 3u);
  EXPECT_EQ(problem.buffers()[1].lifespan.upper, 9u);
  EXPECT_EQ(problem.capacity(), Offset{12});
  EXPECT_EQ(problem.lower_bound(), 12u);
  EXPECT_TRUE(problem.is_interval_problem());
  const Offset published[] = {8, 8, 4, 4, 0};
  EXPECT_FALSE(validate_plan(problem, published).has_value());
  EXPECT_EQ(write_minimalloc_solution(problem, published),
            "id,lower,upper,size,offset\nb1,0,3,4,8\nb2,3,9,4,8\nb3,0,9,4,4\nb4,9,21,4,4\nb5,0,21,4,0\n");
}

TEST(MinimallocCsv, ColumnsInAnyOrderAndAliases) {
  const Problem problem = read_minimalloc_csv("size,end,buffer,begin,alignment\n8,4,x,0,4\n", "p.csv", 100);
  ASSERT_EQ(problem.buffers().size(), 1u);
  EXPECT_EQ(problem.buffers()[0].name, "x");
  EXPECT_EQ(problem.buffers()[0].lifespan.upper, 5u);  // inclusive end + 1
  EXPECT_EQ(problem.buffers()[0].alignment, 4u);
  EXPECT_EQ(problem.capacity(), Offset{100});
}

TEST(MinimallocCsv, CapacityFromFileName) {
  EXPECT_EQ(capacity_from_file_name("/a/b/C.1048576.csv"), Offset{1048576});
  EXPECT_EQ(capacity_from_file_name("plain.csv"), std::nullopt);
}

struct BadCsv {
  const char* text;
  std::uint64_t line;
  const char* fragment;
};

TEST(MinimallocCsv, MalformedInputNamesFileAndLine) {
  const BadCsv cases[] = {
      {"id,lower,size\n", 1, "required column is missing"},
      {"id,lower,upper,size,color\n", 1, "unknown column 'color'"},
      {"id,lower,upper,size,size\n", 1, "duplicate column"},
      {"id,lower,upper,size\nb1,0,3\n", 2, "3 fields, but the header has 4"},
      {"id,lower,upper,size\nb1,0,x,4\n", 2, "upper must be a non-negative integer"},
      {"id,lower,upper,size\nb1,0,3,-4\n", 2, "size must be a non-negative integer"},
      {"id,lower,upper,size\nb1,5,5,4\n", 2, "empty lifespan"},
      {"id,lower,upper,size\nb1,0,3,0\n", 2, "size must be at least 1"},
      {"id,lower,upper,size\nb1,0,3,9223372036854775808\n", 2, "larger than 2^48"},
      {"id,lower,upper,size\nb1,0,3,4\nb1,1,2,4\n", 3, "duplicate id 'b1'"},
      {"id,lower,upper,size,gaps\n", 1, "'gaps' column is not supported"},
      {"", 0, "empty file"},
  };
  for (const auto& bad : cases) {
    try {
      read_minimalloc_csv(bad.text, "bad.csv");
      ADD_FAILURE() << "accepted: " << bad.text;
    } catch (const InputError& e) {
      EXPECT_EQ(e.where().file, "bad.csv");
      EXPECT_EQ(e.where().line, bad.line) << e.what();
      EXPECT_NE(std::string(e.what()).find(bad.fragment), std::string::npos) << e.what();
    }
  }
}

TEST(MinimallocCsv, ChallengingInstancesLoadWithTheirLowerBounds) {
  const std::filesystem::path dir = std::filesystem::path(TETRIS_SHARED_DIR) / "benchmarks/minimalloc-challenging";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "../shared is absent: " << dir;
  // Lower bounds stated for these instances: the capacity, except C and D.
  const std::pair<const char*, Offset> expected[] = {{"A", 1048576}, {"B", 1048576}, {"C", 1039360},
                                                     {"D", 986112},  {"E", 1048576}, {"F", 1048576}};
  for (const auto& [name, bound] : expected) {
    const Problem problem = read_minimalloc_csv_file((dir / (std::string(name) + ".1048576.csv")).string());
    EXPECT_EQ(problem.capacity(), Offset{1048576}) << name;
    EXPECT_EQ(problem.lower_bound(), bound) << name;
    EXPECT_GT(problem.buffers().size(), 100u) << name;
  }
}

}  // namespace
}  // namespace tetris::memmgr
