// Ctrl-C on long runs: the process stops with 130 and leaves finished files or none, never a
// partial file or a temporary one.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "cli_runner.h"

namespace tetris {
namespace {

namespace fs = std::filesystem;

// Starts the tetris binary with `args` in the source folder, sends `signal` after `delay`, and
// returns its exit code. A signal that lands before the program installed its handler kills it
// outright, which a shell also reports as 128 + the signal.
int interrupt_after(const std::vector<std::string>& args, std::chrono::milliseconds delay, int signal = SIGINT) {
  const pid_t child = ::fork();
  if (child == 0) {
    if (::chdir(TETRIS_SOURCE_DIR) != 0) ::_exit(99);
    std::vector<char*> argv = {const_cast<char*>(TETRIS_BINARY)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::freopen("/dev/null", "w", stderr);
    ::execv(TETRIS_BINARY, argv.data());
    ::_exit(98);
  }
  std::this_thread::sleep_for(delay);
  ::kill(child, signal);
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

std::vector<std::string> files_in(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) names.push_back(entry.path().filename().string());
  return names;
}

fs::path fresh_folder(const std::string& name) {
  const fs::path folder = fs::path(testing::TempDir()) / (name + std::to_string(::getpid()));
  fs::remove_all(folder);
  fs::create_directories(folder);
  return folder;
}

TEST(Interrupt, ALongSimulationStopsWith130AndWritesNothing) {
  const fs::path folder = fresh_folder("tetris_interrupt_sim_");
  const int code = interrupt_after({"sim", "tests/data/traces/eltwise_in_place.trace", "--jitter", "1", "--runs",
                                    "100000", "--json", "--out", (folder / "sim.json").string()},
                                   std::chrono::milliseconds(700));
  EXPECT_EQ(code, 130);
  EXPECT_TRUE(files_in(folder).empty());
}

// A hang-up (the terminal closed), a closed pipe, SIGTERM or SIGQUIT clean up as Ctrl-C does.
class InterruptBy : public testing::TestWithParam<int> {};

TEST_P(InterruptBy, WritingATraceLeavesTheWholeFileOrNone) {
  // Lowering VGG-16 onto 16 cores writes 3.4 MB in about 0.1 s: interrupts spread over that time
  // land before, during and after the write.
  const int signal = GetParam();
  const fs::path folder = fresh_folder("tetris_interrupt_lower_" + std::to_string(signal) + "_");
  const std::string trace = (folder / "vgg16.trace").string();
  int interrupted = 0;
  for (int delay = 0; delay <= 160; delay += signal == SIGINT ? 8 : 16) {
    fs::remove(trace);
    const int code = interrupt_after({"lower", "--quiet", "--model", "vgg16", "--config", "cambricon-x-16core",
                                      "--out", trace},
                                     std::chrono::milliseconds(delay), signal);
    ASSERT_TRUE(code == 128 + signal || code == 0) << "delay " << delay << " ms: exit " << code;
    interrupted += code == 128 + signal;
    const auto names = files_in(folder);
    ASSERT_LE(names.size(), 1u) << "delay " << delay << " ms: " << names.front() << " beside the trace";
    if (names.empty()) continue;
    ASSERT_EQ(names.front(), "vgg16.trace");
    const auto check = testing_cli::run_tetris("trace check --quiet '" + trace + "'", TETRIS_SOURCE_DIR);
    ASSERT_EQ(check.exit_code, 0) << "delay " << delay << " ms: " << check.err;
  }
  EXPECT_GT(interrupted, 0);
}

INSTANTIATE_TEST_SUITE_P(Signals, InterruptBy, testing::Values(SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT),
                         [](const testing::TestParamInfo<int>& info) { return std::string(sigabbrev_np(info.param)); });

}  // namespace
}  // namespace tetris
