// The exit-code contract (apps/tetris/cli.h), one test per code: run_guarded on commands that
// end each way, and the real binary where a user reaches each code.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "apps/tetris/cli.h"
#include "cli_runner.h"
#include "common/input_error.h"

namespace tetris::cli {
namespace {

int guarded(int (*body)(std::span<const std::string>)) {
  const Command command{"test", "a command for this test", body};
  const std::vector<std::string> args;
  return run_guarded(command, args);
}

testing_cli::CliResult tetris(const std::string& arguments) {
  return testing_cli::run_tetris(arguments, TETRIS_SOURCE_DIR);
}

TEST(ExitCodes, ZeroIsSuccess) {
  EXPECT_EQ(guarded([](std::span<const std::string>) { return kExitOk; }), 0);
  EXPECT_EQ(tetris("--help").exit_code, 0);
  EXPECT_NE(tetris("--help").out.find("3 internal error"), std::string::npos);
}

TEST(ExitCodes, OneIsARequestedCheckThatFailed) {
  EXPECT_EQ(guarded([](std::span<const std::string>) { return kExitCheckFailed; }), 1);
  // The plan reads bytes its neighbour overwrote: the simulator's checker finds the conflict.
  const auto r = tetris("sim docs/examples/two-core.trace --plan tests/data/sim/two-core-overlap.plan.yaml");
  EXPECT_EQ(r.exit_code, 1) << r.err;
}

TEST(ExitCodes, TwoIsBadUsageOrInput) {
  EXPECT_EQ(guarded([](std::span<const std::string>) -> int { throw InputError({"in.yaml", 3}, "bad"); }), 2);
  EXPECT_EQ(tetris("no-such-command").exit_code, 2);
  // An empty second word is an unknown command, not a crash.
  EXPECT_EQ(tetris("config ''").exit_code, 2);
  EXPECT_EQ(tetris("'' ''").exit_code, 2);
  EXPECT_EQ(tetris("plan /nonexistent.csv").exit_code, 2);
}

TEST(ExitCodes, ThreeIsABugAndSaysSo) {
  testing::internal::CaptureStderr();
  EXPECT_EQ(guarded([](std::span<const std::string>) -> int { throw std::logic_error("an unplanned wait"); }), 3);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("internal error"), std::string::npos) << err;
  EXPECT_NE(err.find("bug"), std::string::npos) << err;
  EXPECT_NE(err.find("an unplanned wait"), std::string::npos) << err;
  EXPECT_EQ(guarded([](std::span<const std::string>) -> int { throw 42; }), 3);
}

}  // namespace
}  // namespace tetris::cli
