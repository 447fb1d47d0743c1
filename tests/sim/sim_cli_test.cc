// `tetris sim` as a user runs it: exit codes, the report, conflicts, jitter, deadlocks.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "common/file_io.h"

namespace tetris::sim {
namespace {

struct CliResult {
  int exit_code;
  std::string out, err;
};

CliResult tetris(const std::string& arguments) {
  const std::string stem = ::testing::TempDir() + "tetris_sim_cli_" + std::to_string(::getpid());
  const std::string out = stem + ".out", err = stem + ".err";
  const std::string command = std::string("cd '") + TETRIS_SOURCE_DIR + "' && '" + TETRIS_BINARY + "' " +
                              arguments + " >'" + out + "' 2>'" + err + "' </dev/null";
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text_file(out), read_text_file(err)};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(SimCli, TheExampleRunsCleanAndPrintsTheStatistics) {
  const CliResult r = tetris("sim docs/examples/two-core.trace");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "(naive plan); exact timing")) << r.out;
  for (const char* stat : {"cycles", "bandwidth_utilisation", "peak_live", "memory_stall", "roofline", "relu1"})
    EXPECT_TRUE(contains(r.out, stat)) << stat;
  EXPECT_TRUE(contains(r.out, "conflicts: none"));
  EXPECT_EQ(r.err, "");
}

TEST(SimCli, JsonCarriesTheDeclarationsAndIsDeterministic) {
  const CliResult a = tetris("sim docs/examples/two-core.trace --json --jitter 3 --runs 2");
  const CliResult b = tetris("sim docs/examples/two-core.trace --json --jitter 3 --runs 2");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  const auto j = nlohmann::json::parse(a.out);
  EXPECT_EQ(j["runs"].size(), 2u);
  EXPECT_EQ(j["runs"][0]["seed"], 3);
  EXPECT_EQ(j["runs"][1]["seed"], 4);
  EXPECT_EQ(j["cores"].size(), 2u);
  EXPECT_GT(j["summary"]["cycles"].get<std::uint64_t>(), 0u);
  bool declared = false;
  for (const auto& s : j["statistics"]["run"])
    declared |= s["name"] == "peak_live" && s["unit"] == "bytes" && !s["description"].get<std::string>().empty();
  EXPECT_TRUE(declared);
}

TEST(SimCli, AnOverlappingPlanIsAConflictAndExitCode1) {
  const CliResult r = tetris("sim docs/examples/two-core.trace --plan tests/data/sim/two-core-overlap.plan.yaml");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.out, "load of 'data' read [0x0, 0x1000) (4096 bytes), overwritten by 'relu1_out'")) << r.out;
}

TEST(SimCli, JitterRunsExposeTheRace) {
  const std::string base = "sim tests/data/sim/racy.trace --plan tests/data/sim/racy-shared.plan.yaml";
  EXPECT_EQ(tetris(base).exit_code, 0);
  const CliResult r = tetris(base + " --jitter 1 --runs 20 --out " + ::testing::TempDir() + "racy_report.txt");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "conflicts and 0 deadlocked runs over 20 runs")) << r.err;
  const std::string report = read_text_file(::testing::TempDir() + "racy_report.txt");
  EXPECT_TRUE(contains(report, "load of 'x'")) << report;
  EXPECT_TRUE(contains(report, "overwritten by 'y'")) << report;
}

TEST(SimCli, DeadlockIsReportedWithPositions) {
  const CliResult r = tetris("sim tests/data/sim/deadlock.trace");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.out, "core 0 blocked at line 11, instruction 1 (wait 0)")) << r.out;
  EXPECT_TRUE(contains(r.out, "core 1 blocked at line 15, instruction 0 (wait 1)")) << r.out;
}

TEST(SimCli, WithoutAConfigTheTracesCoreCountChoosesTheMachine) {
  const std::string trace = ::testing::TempDir() + "tetris_sim_16_" + std::to_string(::getpid()) + ".trace";
  ASSERT_EQ(tetris("lower squeezenet-v1.1 -c cambricon-x-16core --quiet --out '" + trace + "'").exit_code, 0);
  const CliResult r = tetris("sim '" + trace + "' --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["config"], "cambricon-x-16core");
  // No built-in config has 2 cores: the 4-core default runs it.
  const CliResult two = tetris("sim docs/examples/two-core.trace --json");
  EXPECT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(nlohmann::json::parse(two.out)["config"], "cambricon-x-4core");
}

TEST(SimCli, BadInputIsExitCode2NamingTheFile) {
  CliResult r = tetris("sim docs/examples/two-core.trace --plan tests/data/sim/two-core-missing.plan.yaml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "tests/data/sim/two-core-missing.plan.yaml: the plan has no offset for tensor 'sum'"))
      << r.err;
  r = tetris("sim docs/examples/two-core.trace --config cambricon-x-1core");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "the trace has 2 cores, the machine only 1")) << r.err;
  r = tetris("sim no/such.trace");
  EXPECT_EQ(r.exit_code, 2);
  r = tetris("sim docs/examples/two-core.trace --runs 0");
  EXPECT_EQ(r.exit_code, 2);
}

// A simulation whose checker would hold more than --max-memory is refused before it starts, naming
// the budget: ResNet-50 on 16 cores covers about 1.1 M access rows, some 34 MB at 32 bytes each
// on top of the 32 MiB counted for the process; 256 MiB holds it.
TEST(SimCli, ASimulationOverItsMemoryBudgetIsRefusedNamingIt) {
  const std::string trace = ::testing::TempDir() + "tetris_sim_budget_" + std::to_string(::getpid()) + ".trace";
  ASSERT_EQ(tetris("lower resnet50 -c cambricon-x-16core --quiet --out '" + trace + "'").exit_code, 0);
  const CliResult tight = tetris("sim '" + trace + "' --max-memory 48MiB");
  EXPECT_EQ(tight.exit_code, 2);
  EXPECT_TRUE(contains(tight.err, "simulating it would hold about")) << tight.err;
  EXPECT_TRUE(contains(tight.err, "more than --max-memory 48.0 MiB")) << tight.err;
  EXPECT_EQ(tight.out, "");
  const CliResult roomy = tetris("sim '" + trace + "' --max-memory 256MiB --quiet");
  EXPECT_EQ(roomy.exit_code, 0) << roomy.err;
}

}  // namespace
}  // namespace tetris::sim
