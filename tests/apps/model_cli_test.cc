// `tetris model show` run as a user runs it: zoo names from any folder, YAML and ONNX files,
// --batch and --element-bytes, JSON, and the exit code and message of a bad model.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/file_io.h"
#include "cli_runner.h"

namespace tetris {
namespace {

using Outcome = testing_cli::CliResult;

// Runs the binary from a folder that has no models/ or configs/, to show nothing is read from disk.
Outcome tetris(const std::string& arguments) { return testing_cli::run_tetris(arguments, testing::TempDir()); }

std::string write_model(const std::string& name, const std::string& text) {
  const std::string path = testing::TempDir() + std::to_string(::getpid()) + "_" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(ModelCli, ShowsAZooModelFromAnyFolder) {
  const Outcome r = tetris("model show resnet50");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(
      r.out.find(
          "model resnet50 (workloads/models/resnet50.yaml (built in)): 175 layers, batch 1, 2-byte elements"),
      std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("res5c_branch2c"), std::string::npos);
  EXPECT_NE(r.out.find("1x2048x7x7"), std::string::npos);
  EXPECT_NE(r.out.find("4089184256  (4.09 G)"), std::string::npos) << r.out;
}

TEST(ModelCli, JsonWithBatchAndElementBytes) {
  const Outcome one = tetris("model show googlenet --json");
  const Outcome four = tetris("model show googlenet --json --batch 4 --element-bytes 4");
  ASSERT_EQ(one.exit_code, 0) << one.err;
  ASSERT_EQ(four.exit_code, 0) << four.err;
  const auto a = nlohmann::json::parse(one.out), b = nlohmann::json::parse(four.out);
  EXPECT_EQ(b["batch"], 4);
  EXPECT_EQ(b["element_bytes"], 4);
  EXPECT_EQ(b["totals"]["macs"].get<std::uint64_t>(), 4 * a["totals"]["macs"].get<std::uint64_t>());
  EXPECT_EQ(b["layers"].back()["shape"], nlohmann::json::array({4, 1000, 1, 1}));
  EXPECT_EQ(b["totals"]["tensors"]["input"]["bytes"], 4 * 3 * 224 * 224 * 4);
}

TEST(ModelCli, ReadsYamlAndOnnxFiles) {
  const std::string yaml = write_model(
      "cli.yaml", "input: {shape: [3, 8, 8]}\nlayers:\n  - {name: c, op: conv, out: 2, kernel: 3}\n");
  const Outcome r = tetris("model show '" + yaml + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1x2x6x6"), std::string::npos) << r.out;
  const std::string onnx =
      std::string(TETRIS_SOURCE_DIR) + "/../shared/models/onnx-light/light_squeezenet.onnx";
  if (!std::filesystem::exists(onnx)) GTEST_SKIP() << onnx << " is absent (a fresh clone has no ../shared)";
  const Outcome o = tetris("model show '" + onnx + "' --json --element-bytes 4");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(nlohmann::json::parse(o.out)["totals"]["macs"], 349151936);
}

TEST(ModelCli, ABadModelExitsTwoNamingFileLineAndLayer) {
  const std::string yaml =
      write_model("cli_bad.yaml",
                  "input: {shape: [3, 8, 8]}\nlayers:\n  - {name: c, op: conv, out: 2, kernel: 3}\n"
                  "  - {name: p, op: pool, kernel: 2}\n");
  const Outcome r = tetris("model show '" + yaml + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(yaml + ":4:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("layer 'p': unknown op 'pool'"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST(ModelCli, BadUsageExitsTwo) {
  EXPECT_EQ(tetris("model show").exit_code, 2);
  EXPECT_EQ(tetris("model show resnet51").exit_code, 2);
  EXPECT_EQ(tetris("model show resnet50 --batch 0").exit_code, 2);
  EXPECT_EQ(tetris("model show resnet50 --element-bytes 3").exit_code, 2);
  EXPECT_EQ(tetris("model show resnet50 --batch many").exit_code, 2);
  const Outcome help = tetris("model show --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("squeezenet-v1.1"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace tetris
