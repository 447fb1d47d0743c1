#include "memmgr/problem_io.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

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
    const Problem problem = fixtures::random_problem(rng, round % 2 == 0, 8);
    const std::string text = problem_to_json(problem);
    const Problem again = read_problem(text, "p.json");
    ASSERT_EQ(again.buffers().size(), problem.buffers().size());
    ASSERT_EQ(again.pieces().size(), problem.pieces().size());
    EXPECT_EQ(again.conflict_count(), problem.conflict_count());
    // Read back, the bound is recomputed from the buffers and conflicts, with the rigid pairs
    // too: never weaker than the one written, and a second trip changes nothing.
    EXPECT_GE(again.lower_bound(), problem.lower_bound());
    const std::string again_text = problem_to_json(again);
    EXPECT_EQ(problem_to_json(read_problem(again_text, "p.json")), again_text);
  }
}

TEST(ProblemIo, AStatedBoundAboveTheComputedOneIsRefusedNamingTheFile) {
  // Two conflicting 8-byte buffers: no plan is below 16 bytes, so 16 is accepted and 17 is not.
  const std::string head = "buffers:\n  - {name: a, size: 8, pieces: [[0, 8, 0, 1]]}\n"
                           "  - {name: b, size: 8, pieces: [[0, 8, 0, 1]]}\nconflicts: [[0, 1]]\n";
  EXPECT_EQ(read_problem(head + "lower_bound_bytes: 16\n", "ok.json").lower_bound(), 16u);
  EXPECT_EQ(read_problem(head + "lower_bound_bytes: 3\n", "ok.json").lower_bound(), 16u);  // computed, not read
  try {
    read_problem(head + "lower_bound_bytes: 17\n", "wrong.json");
    FAIL() << "a bound above the optimum was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("wrong.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("lower_bound_bytes 17"), std::string::npos) << e.what();
  }
}

TEST(ProblemIo, AWitnessOfPiecesThatAllConflictRaisesTheBoundAndIsChecked) {
  // Four one-piece buffers; a, b and c conflict pairwise, d conflicts with a only. The lifespans
  // overlap nowhere, so without the promise the bound is the rigid pairs' (a, b apart, plus c).
  const std::string buffers = R"({"buffers": [
    {"name": "a", "size": 8, "pieces": [[0, 8, 0, 1]]}, {"name": "b", "size": 8, "pieces": [[0, 8, 1, 2]]},
    {"name": "c", "size": 16, "pieces": [[0, 16, 2, 3]]}, {"name": "d", "size": 40, "pieces": [[0, 40, 3, 4]]}],
    "conflicts": [[0, 1], [0, 2], [1, 2], [0, 3]])";
  const Problem plain = read_problem(buffers + "}", "p.json");
  EXPECT_EQ(plain.lower_bound(), 48u);  // a and d apart
  // A witness lighter than the bound changes nothing; reading {a, b, c} as JSON or YAML is fine.
  EXPECT_EQ(read_problem(buffers + R"(, "lower_bound_pieces": [0, 1, 2]})", "w.json").lower_bound(), 48u);
  try {
    read_problem(buffers + R"(, "lower_bound_pieces": [1, 2, 3]})", "bad.json");
    FAIL() << "pieces that do not all conflict were taken as a bound";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("lower_bound_pieces: pieces 1 and 3 do not conflict"), std::string::npos) << e.what();
  }
  for (const std::string& text : {buffers + R"(, "lower_bound_pieces": [0, 9]})",
                                  std::string("buffers:\n  - {name: a, size: 8, pieces: [[0, 8, 0, 1]]}\n"
                                              "lower_bound_pieces: [0, 9]\n")}) {
    try {
      read_problem(text, "missing.json");
      FAIL() << "a piece that does not exist was taken";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("piece 9 does not exist"), std::string::npos) << e.what();
    }
  }
  // Heavier than the bound: d alone with a is 48, but a witness of a, b, c and a larger c' would
  // be more. Here the heaviest clique is {a, d}: the witness [0, 3] gives 48 as well, and the
  // file states the bound its witness proves.
  const Problem witnessed = read_problem(buffers + R"(, "lower_bound_pieces": [0, 3], "lower_bound_bytes": 48})", "w.json");
  EXPECT_EQ(witnessed.lower_bound(), 48u);
}

TEST(ProblemIo, ALongWitnessIsCheckedRunByRunNotPairByPair) {
  // Two buffers of 4000 one-byte pieces each, every piece of one conflicting with every piece of
  // the other: one block in the file, 16 M pairs. The witness names all 8000 pieces; the reader
  // counts each piece's partners inside its conflict runs instead of testing 32 M pairs.
  constexpr int kPieces = 4000;
  std::string text = R"({"buffers": [)";
  for (int b = 0; b < 2; ++b) {
    text += fmt::format(R"({}{{"name": "t{}", "size": {}, "pieces": [)", b ? ", " : "", b, kPieces);
    for (int i = 0; i < kPieces; ++i) text += fmt::format("{}[{}, 1, 0, 1]", i ? ", " : "", i);
    text += "]}";
  }
  text += fmt::format(R"(], "conflicts": [[0, {}, {}, {}]], "lower_bound_pieces": [)", kPieces - 1, kPieces, 2 * kPieces - 1);
  for (int i = 0; i < 2 * kPieces; ++i) text += fmt::format("{}{}", i ? ", " : "", i);
  text += "]}";
  const Problem problem = read_problem(text, "long.json");
  EXPECT_EQ(problem.lower_bound(), 2u * kPieces);  // the rigid pair bound says as much
  // One piece too many (8000 is a third buffer's, which conflicts with nothing) is found.
  const std::string third = R"(, {"name": "u", "size": 1, "pieces": [[0, 1, 0, 1]]}], "conflicts")";
  std::string bad = text;
  bad.replace(bad.find(R"(], "conflicts")"), std::string(R"(], "conflicts")").size(), third);
  bad.insert(bad.size() - 2, ", 8000");
  try {
    read_problem(bad, "long.json");
    FAIL() << "a witness with a piece that conflicts with nothing was taken";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("pieces 0 and 8000 do not conflict"), std::string::npos) << e.what();
  }
}

TEST(ProblemIo, ExplicitConflictsWithoutTheLifespanPromiseBoundByTheLargestBuffer) {
  // Overlapping lifespans but no conflict: the live bytes (16) are no bound, the largest buffer is.
  const Problem p = read_problem(
      "buffers:\n  - {name: a, size: 8, pieces: [[0, 8, 0, 2]]}\n  - {name: b, size: 12, pieces: [[0, 12, 1, 3]]}\n",
      "p.json");
  EXPECT_EQ(p.lower_bound(), 12u);
  EXPECT_NE(p.lower_bound_source().find("largest buffer"), std::string::npos) << p.lower_bound_source();
}

TEST(ProblemIo, JsonIsStreamedAndOverlappingBlocksCountEachPairOnce) {
  // a has pieces 0-2, b has 3-5. Two blocks that share the pairs (1, 4) and (2, 4): read piece by
  // piece and merged, 3 x 2 + 2 x 2 - 2 = 8 distinct pairs, each stored once.
  const std::string head = R"({"buffers": [
    {"name": "a", "size": 24, "pieces": [[0, 8, 0, 3], [8, 8, 0, 3], [16, 8, 0, 3]]},
    {"name": "b", "size": 24, "pieces": [[0, 8, 0, 3], [8, 8, 0, 3], [16, 8, 0, 3]]}],
   "unknown_key": {"ignored": [1, 2]},
   "conflicts": )";
  const Problem overlapping = read_problem(head + "[[0, 2, 3, 4], [1, 2, 4, 5]]}", "o.json");
  EXPECT_EQ(overlapping.conflict_count(), 8u);
  // Disjoint blocks (what problem_to_json writes) are kept as blocks.
  const Problem disjoint = read_problem(head + "[[0, 2, 3, 3], [0, 2, 4, 5]]}", "d.json");
  EXPECT_EQ(disjoint.conflict_count(), 9u);
  EXPECT_EQ(disjoint.conflict_block_count(), 2u);
  // The same problem written as YAML (read by yaml-cpp, not streamed) comes out the same.
  const Problem yaml = read_problem(
      "origin: o.json\nbuffers:\n"
      "  - {name: a, size: 24, pieces: [[0, 8, 0, 3], [8, 8, 0, 3], [16, 8, 0, 3]]}\n"
      "  - {name: b, size: 24, pieces: [[0, 8, 0, 3], [8, 8, 0, 3], [16, 8, 0, 3]]}\n"
      "conflicts: [[0, 2, 3, 4], [1, 2, 4, 5]]\n",
      "o.yaml");
  EXPECT_EQ(problem_to_json(yaml), problem_to_json(overlapping));
  // Errors in a streamed file name the file and the key.
  for (const auto& [text, key] : std::vector<std::pair<std::string, std::string>>{
           {head + "[[0, 2, 3, 4, 5, 6]]}", "conflicts[0]"},
           {head + "[[0, 9]]}", "conflicts[0]"},
           {R"({"buffers": [{"name": "a", "size": -8, "pieces": []}]})", "buffers[0].size"},
           {R"({"buffers": [{"name": "a", "size": 8, "pieces": [[0, 8, 0]]}]})", "buffers[0].pieces[0]"},
           {R"({"buffers": [{"size": 8, "pieces": [[0, 8, 0, 1]]}]})", "buffers[0]"}}) {
    try {
      read_problem(text, "bad.json");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const InputError& e) {
      EXPECT_EQ(e.where().file, "bad.json") << e.what();
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  }
}

TEST(ProblemIo, MinimallocCsvOnlyForIntervalProblems) {
  const Problem interval = fixtures::inclusive_problem({{4, 0, 2}, {8, 1, 3}});
  EXPECT_EQ(problem_to_minimalloc_csv(interval), "id,lower,upper,size\nb0,0,3,4\nb1,1,4,8\n");
  std::mt19937_64 rng(1);
  EXPECT_THROW(problem_to_minimalloc_csv(fixtures::random_problem(rng, false)), std::invalid_argument);
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
  const Problem problem = fixtures::inclusive_problem({{10, 0, 1}, {20, 1, 2}, {30, 2, 3}});
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
  const Problem problem = fixtures::inclusive_problem({{10, 0, 1}, {20, 1, 2}});
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
