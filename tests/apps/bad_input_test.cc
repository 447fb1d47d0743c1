// Walks tests/data/bad/: every malformed input gets one clear error naming the file, exit 2;
// and tests/data/invalid-plans/: well-formed plans that fail `tetris validate`, exit 1.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "common/file_io.h"

namespace tetris {
namespace {

TEST(BadInputCorpus, EveryFileIsRefusedWithExitTwoNamingTheFile) {
  const std::filesystem::path root = std::filesystem::path(TETRIS_SOURCE_DIR) / "tests/data/bad";
  const std::map<std::string, std::string> command_for = {
      {"config", "config show --config"}, {"trace", "trace check"}, {"trace-analyze", "analyze"},
      {"csv", "plan"},                    {"problem", "plan"},      {"model", "model show"},
      {"onnx", "model show"},
      {"plan-validate", "validate tests/data/traces/eltwise_in_place.trace"},
      {"plan-sim", "sim tests/data/traces/eltwise_in_place.trace --plan"}, {"trace-sim", "sim"}};
  const std::string stem = testing::TempDir() + "tetris_bad_" + std::to_string(::getpid());
  int files = 0;
  for (const auto& [folder, command] : command_for) {
    for (const auto& entry : std::filesystem::directory_iterator(root / folder)) {
      const std::string path = std::filesystem::relative(entry.path(), TETRIS_SOURCE_DIR).string();
      const std::string line = std::string("cd '") + TETRIS_SOURCE_DIR + "' && timeout 60 '" + TETRIS_BINARY + "' " +
                               command + " '" + path + "' >'" + stem + ".out' 2>'" + stem + ".err' </dev/null";
      const int status = std::system(line.c_str());
      const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      const std::string err = read_text_file(stem + ".err");
      EXPECT_EQ(code, 2) << path << ": " << err;
      EXPECT_NE(err.find(path), std::string::npos) << path << ": " << err;
      EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << path << ": one error line expected: " << err;
      EXPECT_TRUE(read_text_file(stem + ".out").empty()) << path;
      ++files;
    }
  }
  EXPECT_GE(files, 47);
}

TEST(InvalidPlans, FailTheRequestedCheckWithExitOneNamingThePlanAndWhy) {
  const std::filesystem::path root = std::filesystem::path(TETRIS_SOURCE_DIR) / "tests/data/invalid-plans";
  const std::string stem = testing::TempDir() + "tetris_invalid_" + std::to_string(::getpid());
  const std::map<std::string, std::string> why = {{"misaligned.yaml", "not a multiple of its alignment"},
                                                  {"over-capacity.yaml", "more than the capacity"},
                                                  {"overlapping-buffers.yaml", "conflicting pieces overlap"}};
  for (const auto& [name, reason] : why) {
    const std::string path = std::filesystem::relative(root / name, TETRIS_SOURCE_DIR).string();
    const std::string line = std::string("cd '") + TETRIS_SOURCE_DIR + "' && timeout 60 '" + TETRIS_BINARY +
                             "' validate tests/data/traces/eltwise_in_place.trace '" + path + "' >'" + stem +
                             ".out' 2>'" + stem + ".err' </dev/null";
    const int status = std::system(line.c_str());
    const std::string err = read_text_file(stem + ".err");
    EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 1) << path << ": " << err;
    EXPECT_NE(err.find(path), std::string::npos) << err;
    EXPECT_NE(err.find(reason), std::string::npos) << err;
  }
}

}  // namespace
}  // namespace tetris
