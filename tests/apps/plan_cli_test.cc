// `tetris analyze` and `tetris plan` as a user runs them.
#include <gtest/gtest.h>

#include <algorithm>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/file_io.h"
#include "cli_runner.h"
#include "common/plan_file.h"
#include "memmgr/plan_io.h"

namespace tetris {
namespace {

using testing_cli::CliResult;

CliResult plan_cli(const std::string& arguments) { return testing_cli::run_tetris(arguments, TETRIS_SOURCE_DIR); }

const std::string kTrace = "tests/data/traces/eltwise_in_place.trace";

TEST(AnalyzeCli, ReportsBothLevelsAndWritesAProblemThatPlans) {
  const std::string problem = testing::TempDir() + std::to_string(::getpid()) + "_problem.json";
  const CliResult r = plan_cli("analyze " + kTrace + " --json --out '" + problem + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["topology"]["lower_bound_bytes"], 8192);
  EXPECT_LT(json["instruction"]["lower_bound_bytes"], 8192);
  EXPECT_GT(json["instruction"]["pieces"], json["topology"]["pieces"]);
  const CliResult planned = plan_cli("plan '" + problem + "' --planner xla-best-fit");
  EXPECT_EQ(planned.exit_code, 0) << planned.err;
}

// 64 tensors of 400 pieces each on one core. With `alternate`, even pieces of every tensor live
// in a first phase and odd pieces in a second, so conflicts form no stretches (a checkerboard).
std::string many_pieces_trace(const std::string& name, bool alternate) {
  const std::string trace = testing::TempDir() + std::to_string(::getpid()) + name;
  std::string text = "tetris-trace 1\ncores 1\nelement_bytes 1\nlayer 0 l0 relu\nlayer 1 l1 relu\n";
  for (int t = 0; t < 64; ++t) text += fmt::format("tensor {} t{} {} activation l0\n", t, t, 400 * 64);
  text += "tensor 64 out 64 output l1\ncore 0\nlayer l0\n";
  for (const int phase : alternate ? std::vector<int>{0, 1} : std::vector<int>{-1}) {
    for (int t = 0; t < 64; ++t)
      for (int k = 0; k < 400; ++k)
        if (phase < 0 || k % 2 == phase) text += fmt::format("store {} {} 64 nbout\n", t, k * 64);
    if (phase >= 0) text += phase == 0 ? "" : "layer l1\n";
    for (int t = 0; t < 64; ++t)
      for (int k = 0; k < 400; ++k)
        if (phase < 0 || k % 2 == phase) text += fmt::format("load {} {} 64 nbin\n", t, k * 64);
    if (phase < 0) text += "layer l1\n";
  }
  text += "store 64 0 64 nbout\n";
  write_text_file_atomically(trace, text);
  return trace;
}

TEST(AnalyzeCli, ConflictsCostBlocksNotPairs) {
  // All 64 x 400 pieces alive together: 2016 x 400^2 = 322,560,000 conflicting pairs. Pair by
  // pair they once took 9.8 s and then all memory; as stretches they are one block per pair of tensors.
  const std::string trace = many_pieces_trace("_many_pieces.trace", false);
  const CliResult r = plan_cli("analyze '" + trace + "' --level instruction --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out)["instruction"];
  EXPECT_EQ(json["conflicts"], 322560000u);
  EXPECT_LE(json["conflict_blocks"], 2016u);  // one per pair of tensors
}

TEST(AnalyzeCli, TooManyConflictBlocksAreRefusedNamingTheLimitNotExhaustingMemory) {
  // The checkerboard: 2 x 2016 x 200^2 = 161 M pairs, no two of them in one block, so 161 M blocks
  // (the limit is 2^25).
  const std::string trace = many_pieces_trace("_checkerboard.trace", true);
  const CliResult r = plan_cli("analyze '" + trace + "' --level instruction");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("2^25"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--max-pieces"), std::string::npos) << r.err;
  // What the message offers works: fewer pieces per tensor, or planning at tensor level.
  EXPECT_EQ(plan_cli("analyze '" + trace + "' --max-pieces 64").exit_code, 0);
  EXPECT_EQ(plan_cli("plan '" + trace + "' --level tensor --planner greedy-size").exit_code, 0);
}

TEST(AnalyzeCli, AMemoryBudgetTooSmallStopsTheAnalysisNamingItAndWhatToReduce) {
  // 64 x 400 pieces on one core hold about 9 MiB with their program before any conflict is found
  // (and the process is counted as 32 MiB).
  const std::string trace = many_pieces_trace("_budget.trace", false);
  for (const std::string& command : {"analyze '" + trace + "'", "plan '" + trace + "'"}) {
    const CliResult small = plan_cli(command + " --max-memory 40MiB");
    EXPECT_EQ(small.exit_code, 2) << command << ": " << small.err;
    EXPECT_NE(small.err.find("--max-memory 40.0 MiB"), std::string::npos) << small.err;
    EXPECT_NE(small.err.find("--max-pieces"), std::string::npos) << small.err;
    // Too little even to read the trace (1 MB of text): refused before reading it.
    const CliResult tiny = plan_cli(command + " --max-memory 1MiB");
    EXPECT_EQ(tiny.exit_code, 2) << command << ": " << tiny.err;
    EXPECT_NE(tiny.err.find("reading this"), std::string::npos) << tiny.err;
    EXPECT_NE(tiny.err.find("--max-memory 1.0 MiB"), std::string::npos) << tiny.err;
  }
  // Room for the pieces but not for the graph of the worst-cut bound (about 8 MiB here), which is
  // built after them: it is refused before the graph is built.
  const CliResult cut = plan_cli("analyze '" + trace + "' --max-memory 44MiB");
  EXPECT_EQ(cut.exit_code, 2) << cut.err;
  EXPECT_NE(cut.err.find("for the graph of its worst consistent cut"), std::string::npos) << cut.err;
  EXPECT_NE(cut.err.find("--max-pieces"), std::string::npos) << cut.err;
  // Room for the pieces but not for the checkerboard's conflicts: the limit says what it comes from.
  const CliResult conflicts = plan_cli("analyze '" + many_pieces_trace("_budget_checkerboard.trace", true) + "' --max-memory 56MiB");
  EXPECT_EQ(conflicts.exit_code, 2) << conflicts.err;
  EXPECT_NE(conflicts.err.find("that --max-memory 56.0 MiB leaves"), std::string::npos) << conflicts.err;
  EXPECT_EQ(plan_cli("analyze '" + trace + "' --max-memory 64MiB").exit_code, 0);
  const CliResult bad = plan_cli("analyze '" + trace + "' --max-memory lots");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--max-memory"), std::string::npos) << bad.err;
}

TEST(AnalyzeCli, AnAlignmentThatIsNotAPowerOfTwoOrIsHugeIsBadUsage) {
  // 2^63 once ended as an internal error (exit 3); 3 was accepted by analyze and plan, and made
  // validate report the plan (not the option) as invalid.
  for (const std::string alignment : {"3", "9223372036854775808"})
    for (const std::string& command : {"analyze " + kTrace, "plan " + kTrace, "validate " + kTrace + " tests/data/invalid-plans/misaligned.yaml"}) {
      const CliResult r = plan_cli(command + " --alignment " + alignment);
      EXPECT_EQ(r.exit_code, 2) << command << " --alignment " << alignment << ": " << r.err;
      EXPECT_NE(r.err.find("--alignment"), std::string::npos) << r.err;
    }
}

// The exported header is compiled with the system's C compiler, as a firmware build would.
TEST(PlanCli, EmitsAPlanAsACHeaderACompilerAcceptsAndAsArenaJson) {
  const std::string stem = testing::TempDir() + std::to_string(::getpid()) + "_emit";
  ASSERT_EQ(plan_cli("plan " + kTrace + " --seed 3 --out '" + stem + ".yaml'").exit_code, 0);
  ASSERT_EQ(plan_cli("plan " + kTrace + " --seed 3 --emit c-header --out '" + stem + ".h'").exit_code, 0);
  const PlanFile plan = read_plan_file(stem + ".yaml");
  std::string program = "#include <stdio.h>\n#include \"" + stem + ".h\"\nint main(void) {\n"
                        "  printf(\"%u %u\", TETRIS_ARENA_BYTES, TETRIS_BUFFER_COUNT);\n";
  for (const auto& [name, offset] : plan.offsets) program += "  printf(\" %u\", TETRIS_OFFSET_" + name + ");\n";
  write_text_file_atomically(stem + ".c", program + "  return 0;\n}\n");
  if (std::system("command -v cc >/dev/null") != 0) GTEST_SKIP() << "no C compiler";
  ASSERT_EQ(std::system(("cc -std=c99 -Wall -Werror -o '" + stem + ".bin' '" + stem + ".c'").c_str()), 0);
  ASSERT_EQ(std::system(("'" + stem + ".bin' > '" + stem + ".txt'").c_str()), 0);
  std::string expected = fmt::format("{} {}", plan.peak_bytes, plan.offsets.size());
  for (const auto& entry : plan.offsets) expected += fmt::format(" {}", entry.second);
  EXPECT_EQ(read_text_file(stem + ".txt"), expected);

  const CliResult json = plan_cli("plan " + kTrace + " --seed 3 --emit arena-json");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto arena = nlohmann::json::parse(json.out);
  EXPECT_EQ(arena["arena_bytes"], plan.peak_bytes);
  ASSERT_EQ(arena["buffers"].size(), plan.offsets.size());
  for (std::size_t i = 0; i < plan.offsets.size(); ++i) {
    EXPECT_EQ(arena["buffers"][i]["name"], plan.offsets[i].first);
    EXPECT_EQ(arena["buffers"][i]["offset"], plan.offsets[i].second);
  }
  EXPECT_EQ(plan_cli("plan " + kTrace + " --emit pdf").exit_code, 2);
}

TEST(PlanCli, AnOutputThatCannotBeWrittenIsRefusedBeforeAnyFileIsWritten) {
  const std::string svg = testing::TempDir() + std::to_string(::getpid()) + "_early.svg";
  std::remove(svg.c_str());
  for (const std::string bad : {"--out missing-folder/plan.yaml", "--out tests",
                                "--csv-out missing-folder/x.csv"}) {
    const CliResult r = plan_cli("plan " + kTrace + " --svg '" + svg + "' " + bad);
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    EXPECT_NE(r.err.find(bad.substr(0, bad.find(' '))), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(svg)) << bad << ": the SVG was written before the plan's output was refused";
  }
  EXPECT_EQ(plan_cli("analyze " + kTrace + " --csv missing-folder/p.csv").exit_code, 2);
  EXPECT_EQ(plan_cli("sim " + kTrace + " --out missing-folder/r.txt").exit_code, 2);
}

TEST(PlanCli, PlansATraceWritesAValidPlanAndIsDeterministic) {
  const std::string a = testing::TempDir() + std::to_string(::getpid()) + "_a.yaml";
  const std::string b = testing::TempDir() + std::to_string(::getpid()) + "_b.yaml";
  ASSERT_EQ(plan_cli("plan " + kTrace + " --seed 3 --out '" + a + "'").exit_code, 0);
  ASSERT_EQ(plan_cli("plan " + kTrace + " --seed 3 --out '" + b + "'").exit_code, 0);
  auto without_time = [](std::string text) {
    const auto at = text.find("plan_seconds:");
    return text.erase(at, text.find('\n', at) - at);
  };
  EXPECT_EQ(without_time(read_text_file(a)), without_time(read_text_file(b)));
  const PlanFile plan = read_plan_file(a);
  EXPECT_EQ(plan.planner, "tetris");
  EXPECT_EQ(plan.offsets.size(), 4u);
}

TEST(ValidateCli, AcceptsEveryPlannersPlanAndRefusesSharingTheTopologyLevelForbids) {
  // Every planner's plan of the trace validates; a plan made for the topology-level problem is
  // also safe at instruction level (instruction-level conflicts are a subset), not vice versa.
  const std::string stem = testing::TempDir() + std::to_string(::getpid());
  for (const char* planner : {"tetris", "naive", "tflm-greedy", "greedy-size", "greedy-breadth", "xla-best-fit"}) {
    ASSERT_EQ(plan_cli("plan " + kTrace + " --planner " + planner + " --out '" + stem + "_v.yaml'").exit_code, 0);
    const CliResult r = plan_cli("validate " + kTrace + " '" + stem + "_v.yaml'");
    EXPECT_EQ(r.exit_code, 0) << planner << r.err;
    EXPECT_NE(r.out.find("valid"), std::string::npos);
  }
  ASSERT_EQ(plan_cli("plan " + kTrace + " --level topology --out '" + stem + "_t.yaml'").exit_code, 0);
  EXPECT_EQ(plan_cli("validate " + kTrace + " '" + stem + "_t.yaml'").exit_code, 0);
  ASSERT_EQ(plan_cli("plan " + kTrace + " --out '" + stem + "_i.yaml'").exit_code, 0);
  const CliResult shared = plan_cli("validate " + kTrace + " '" + stem + "_i.yaml' --level topology");
  EXPECT_EQ(shared.exit_code, 1);  // a and b share bytes, which topology-level liveness forbids
  EXPECT_NE(shared.err.find("overlap"), std::string::npos) << shared.err;
}

TEST(PlanCli, BlockPlansGoThroughLowerPlanValidateAndSim) {
  // Band blocks under p2p: the plan places blocks (NAME#K), validate and sim accept it, and a
  // plan of the rigid trace does not fit the block trace.
  const std::string stem = testing::TempDir() + std::to_string(::getpid()) + "_blocks";
  ASSERT_EQ(plan_cli("lower alexnet --blocks band --sync p2p --quiet --out '" + stem + ".trace'").exit_code, 0);
  ASSERT_EQ(plan_cli("plan '" + stem + ".trace' --generations 20 --quiet --out '" + stem + ".yaml'").exit_code, 0);
  const PlanFile plan = read_plan_file(stem + ".yaml");
  EXPECT_TRUE(std::any_of(plan.offsets.begin(), plan.offsets.end(),
                          [](const auto& entry) { return entry.first.find('#') != std::string::npos; }));
  EXPECT_EQ(plan_cli("validate '" + stem + ".trace' '" + stem + ".yaml'").exit_code, 0);
  const CliResult sim = plan_cli("sim '" + stem + ".trace' --plan '" + stem + ".yaml' --jitter 1 --runs 2 --quiet");
  EXPECT_EQ(sim.exit_code, 0) << sim.err;
  ASSERT_EQ(plan_cli("lower alexnet --blocks tensor --sync p2p --quiet --out '" + stem + "_rigid.trace'").exit_code, 0);
  ASSERT_EQ(plan_cli("plan '" + stem + "_rigid.trace' --generations 5 --quiet --out '" + stem + "_rigid.yaml'").exit_code, 0);
  EXPECT_EQ(plan_cli("validate '" + stem + ".trace' '" + stem + "_rigid.yaml'").exit_code, 2);  // names no block
}

TEST(PlanCli, OverCapacityIsAnErrorSayingByHowMuch) {
  const CliResult r = plan_cli("plan " + kTrace + " --level topology --alignment 1 --capacity 8000");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("192 more than the capacity of 8000"), std::string::npos) << r.err;
}

TEST(PlanCli, SearchOptionsOutOfRangeExitTwoNamingTheOption) {
  for (const char* option : {"--threads 0", "--threads 300", "--threads -1", "--time-limit -1", "--time-limit nan",
                             "--time-limit -inf", "--time-limit 0"}) {
    const CliResult r = plan_cli("plan " + kTrace + " " + option);
    EXPECT_EQ(r.exit_code, 2) << option << ": " << r.err;
    EXPECT_NE(r.err.find(std::string(option).substr(0, std::string(option).find(' '))), std::string::npos) << r.err;
  }
  const CliResult bfc = plan_cli("plan " + kTrace + " --planner tf-bfc");  // instruction level: not an interval problem
  EXPECT_EQ(bfc.exit_code, 2) << bfc.err;
  EXPECT_NE(bfc.err.find("use --level topology"), std::string::npos) << bfc.err;
  EXPECT_EQ(plan_cli("plan " + kTrace + " --planner tf-bfc --level topology --quiet").exit_code, 0);
  for (const char* runs : {"0", "-1", "100001"}) {
    const CliResult sim = plan_cli(std::string("sim docs/examples/two-core.trace --runs ") + runs);
    EXPECT_EQ(sim.exit_code, 2) << runs << ": " << sim.err;
    EXPECT_NE(sim.err.find("--runs"), std::string::npos) << sim.err;
  }
}

TEST(PlanCli, BadUsageExitsTwo) {
  EXPECT_EQ(plan_cli("plan " + kTrace + " --planner magic").exit_code, 2);
  EXPECT_EQ(plan_cli("plan " + kTrace + " --level sideways").exit_code, 2);
  EXPECT_EQ(plan_cli("plan /nonexistent.csv").exit_code, 2);
  EXPECT_EQ(plan_cli("analyze docs/examples/two-core.trace --csv /tmp/x.csv").exit_code, 2);
}

}  // namespace
}  // namespace tetris
