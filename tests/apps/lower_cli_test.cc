// `tetris lower` run as a user runs it: the default model, the trace it writes (which
// `tetris trace check` accepts), the options, JSON, and bad usage exiting 2.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/file_io.h"
#include "cli_runner.h"
#include "common/trace_io.h"

namespace tetris {
namespace {

using Outcome = testing_cli::CliResult;

// Runs from a folder without models/ or configs/: the zoo and the configs are built in.
Outcome tetris(const std::string& arguments) { return testing_cli::run_tetris(arguments, testing::TempDir()); }

std::string temp_path(const std::string& name) { return testing::TempDir() + std::to_string(::getpid()) + "_" + name; }

TEST(LowerCli, LowersResNet50ByDefaultAndWritesACheckableTrace) {
  const std::string trace = temp_path("resnet50.trace");
  const Outcome r = tetris("lower --out '" + trace + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("lowered resnet50 onto cambricon-x-4core (4 cores)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("conv+batch_norm+relu"), std::string::npos);
  EXPECT_NE(r.out.find("4089184256"), std::string::npos) << r.out;  // the MAC total
  EXPECT_NE(r.out.find("trace written to"), std::string::npos);
  const Outcome check = tetris("trace check '" + trace + "'");
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(read_trace_file(trace).cores, 4u);
}

TEST(LowerCli, IsDeterministicAcrossProcesses) {
  // Two processes whose heaps differ (another environment size, malloc filling freed memory with
  // another byte, another working folder): anything ordered by address, a hash seed or an
  // uninitialised value would show as different bytes. GoogLeNet under p2p exercises concat
  // slots and the sync plan.
  const std::string a = temp_path("googlenet_a.trace"), b = temp_path("googlenet_b.trace");
  const std::string lower = " lower googlenet --sync p2p --config cambricon-x-16core --quiet --out ";
  ASSERT_EQ(std::system(("cd / && MALLOC_PERTURB_=17 '" + std::string(TETRIS_BINARY) + "'" + lower + "'" + a + "'")
                            .c_str()),
            0);
  ASSERT_EQ(std::system(("cd '" + testing::TempDir() + "' && env PADDING=" + std::string(4096, 'x') +
                         " MALLOC_PERTURB_=201 '" + TETRIS_BINARY + "'" + lower + "'" + b + "'")
                            .c_str()),
            0);
  const std::string first = read_text_file(a);
  EXPECT_GT(first.size(), 100000u);
  EXPECT_TRUE(first == read_text_file(b)) << "the same model lowered to different traces in two processes";
}

TEST(LowerCli, OptionsReachTheTrace) {
  const std::string trace = temp_path("squeezenet.trace");
  const Outcome r = tetris("lower squeezenet-v1.1 --config cambricon-x-16core --batch 2 --sync p2p "
                           "--partition channels --no-fuse --json --out '" + trace + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["cores"], 16);
  EXPECT_EQ(json["batch"], 2);
  EXPECT_EQ(json["sync"], "p2p");
  EXPECT_EQ(json["partition"], "channels");
  EXPECT_EQ(json["fused"], false);
  EXPECT_EQ(json["totals"]["barriers"], 0);
  EXPECT_GT(json["totals"]["waits"].get<int>(), 0);
  EXPECT_EQ(json["layers"][1]["name"], "relu_conv1");  // not folded
  const Program p = read_trace_file(trace);
  EXPECT_EQ(p.cores, 16u);
  EXPECT_EQ(p.layers.size(), json["layers"].size());
}

TEST(LowerCli, QuietPrintsNothingAndOverridesApply) {
  const std::string trace = temp_path("quiet.trace");
  const Outcome r = tetris("lower alexnet -q -p core.element_bytes=4 --out '" + trace + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(read_trace_file(trace).element_bytes, 4u);
}

TEST(LowerCli, ABatchBeyondTheTraceLimitIsRefusedAtOnceNamingTheLargestThatFits) {
  // Batch 5000 once took 40 s and 4.7 GB of memory before anything refused it; the estimate
  // from one sample (the only message naming the largest batch that fits) takes 0.1 s.
  const Outcome r = tetris("lower -m resnet50 --batch 5000 --out '" + testing::TempDir() + "never.trace'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--batch"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("at most batch 2"), std::string::npos) << r.err;
}

// A cascaded ResNet-18 on 4 cores, its Tetris plan simulated with jittered timing: the rolling
// buffers are reused as the program says, and the checker finds no clobbered read.
TEST(LowerCli, ACascadedProgramsPlanIsSafeUnderJitter) {
  const std::string dir = temp_path("cascade_run");
  const Outcome run = tetris("run --model resnet18 --schedule cascade --generations 50 --quiet --out '" + dir + "'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json report = nlohmann::json::parse(read_text_file(dir + "/report.json"));
  for (const auto& plan : report["plans"]) EXPECT_EQ(plan["conflicts"], 0) << plan["planner"];
  const Outcome sim = tetris("sim '" + dir + "/trace.trace' --plan '" + dir +
                             "/plans/tetris-instruction.yaml' --jitter 1 --runs 4 --json --out '" + dir + "/sim.json'");
  ASSERT_EQ(sim.exit_code, 0) << sim.err;
  const nlohmann::json result = nlohmann::json::parse(read_text_file(dir + "/sim.json"));
  EXPECT_EQ(result["summary"]["conflicts"], 0);
  EXPECT_EQ(result["runs"].size(), 4u);
  std::filesystem::remove_all(dir);
  // A memory budget no schedule meets is bad input, named with what the smallest plan takes.
  const Outcome tight = tetris("run --model resnet18 --memory-budget 1000 --generations 20 --quiet --out '" + dir + "'");
  EXPECT_EQ(tight.exit_code, 2);
  EXPECT_NE(tight.err.find("--memory-budget: no schedule fits 1000 bytes"), std::string::npos) << tight.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/report.json"));
}

TEST(LowerCli, BadUsageExitsTwo) {
  const Outcome no_out = tetris("lower");
  EXPECT_EQ(no_out.exit_code, 2);
  EXPECT_NE(no_out.err.find("--out"), std::string::npos) << no_out.err;
  const Outcome sync = tetris("lower --sync sometimes --out x.trace");
  EXPECT_EQ(sync.exit_code, 2);
  EXPECT_NE(sync.err.find("unknown sync mode 'sometimes'"), std::string::npos) << sync.err;
  const Outcome partition = tetris("lower --partition diagonal --out x.trace");
  EXPECT_EQ(partition.exit_code, 2);
  EXPECT_NE(partition.err.find("rows, channels or auto"), std::string::npos) << partition.err;
  const Outcome both = tetris("lower --no-fuse --fuse-residual --out x.trace");
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("--fuse-residual"), std::string::npos) << both.err;
  const Outcome schedule = tetris("lower --schedule sideways --out x.trace");
  EXPECT_EQ(schedule.exit_code, 2);
  EXPECT_NE(schedule.err.find("layer, cascade or auto"), std::string::npos) << schedule.err;
  const Outcome cascade_p2p = tetris("lower --schedule cascade --sync p2p --out x.trace");
  EXPECT_EQ(cascade_p2p.exit_code, 2);
  EXPECT_NE(cascade_p2p.err.find("--sync barrier"), std::string::npos) << cascade_p2p.err;
  const Outcome slowdown = tetris("lower --schedule cascade --cascade-slowdown -1 --out x.trace");
  EXPECT_EQ(slowdown.exit_code, 2);
  EXPECT_NE(slowdown.err.find("--cascade-slowdown"), std::string::npos) << slowdown.err;
  const Outcome model = tetris("lower --model nosuchnet --out x.trace");
  EXPECT_EQ(model.exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(testing::TempDir() + "x.trace"));
}

}  // namespace
}  // namespace tetris
