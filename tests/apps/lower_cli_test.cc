// `tetris lower` run as a user runs it: the default model, the trace it writes (which
// `tetris trace check` accepts), the options, JSON, and bad usage exiting 2.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/file_io.h"
#include "cli_runner.h"
#include "common/trace_io.h"

namespace tetris {
namespace {

using Outcome = testing_cli::CliResult;

// Runs from a folder without models/ or configs/: the zoo and the configs are built in.
Outcome lower_cli(const std::string& arguments) { return testing_cli::run_tetris(arguments, testing::TempDir()); }

std::string temp_path(const std::string& name) { return testing::TempDir() + std::to_string(::getpid()) + "_" + name; }

TEST(LowerCli, LowersResNet50ByDefaultAndWritesACheckableTrace) {
  const std::string trace = temp_path("resnet50.trace");
  const Outcome r = lower_cli("lower --out '" + trace + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("lowered resnet50 onto cambricon-x-4core (4 cores)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("conv+batch_norm+relu"), std::string::npos);
  EXPECT_NE(r.out.find("4089184256"), std::string::npos) << r.out;  // the MAC total
  EXPECT_NE(r.out.find("trace written to"), std::string::npos);
  const Outcome check = lower_cli("trace check '" + trace + "'");
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
  const Outcome r = lower_cli("lower squeezenet-v1.1 --config cambricon-x-16core --batch 2 --sync p2p "
                           "--partition channels --no-fuse --json --out '" + trace + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["cores"], 16);
  EXPECT_EQ(json["batch"], 2);
  EXPECT_EQ(json["sync"], "p2p");
  EXPECT_EQ(json["partition"], "channels");
  EXPECT_EQ(json["fused"], false);
  EXPECT_EQ(json["blocks"], "band");
  EXPECT_EQ(json["totals"]["barriers"], 0);
  EXPECT_GT(json["totals"]["waits"].get<int>(), 0);
  EXPECT_EQ(json["layers"][1]["name"], "relu_conv1");  // not folded
  const Program p = read_trace_file(trace);
  EXPECT_EQ(p.cores, 16u);
  EXPECT_EQ(p.layers.size(), json["layers"].size());
}

// `--blocks auto` says what it chose and why: GoogLeNet's tiles make its plan 15% smaller. The
// plans it compares are made with the search flags given, as `tetris plan` makes them of each
// mode's trace.
TEST(LowerCli, AutoBlocksSayWhichModeTheyChoseAndThePlansThatDecided) {
  const std::string trace = temp_path("googlenet.trace");
  const Outcome r = lower_cli("lower googlenet --blocks auto --generations 20 --out '" + trace + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string said = "blocks auto: mixed (Tetris plan of one sample: ";
  const std::size_t at = r.out.find(said);
  ASSERT_NE(at, std::string::npos) << r.out;
  std::uint64_t band = 0, mixed = 0;
  ASSERT_EQ(std::sscanf(r.out.c_str() + at + said.size(), "%" SCNu64 " B in bands, %" SCNu64 " B mixed", &band, &mixed), 2) << r.out;
  for (const auto& [mode, peak] : {std::pair{"band", band}, std::pair{"mixed", mixed}}) {
    const std::string one = temp_path(std::string("googlenet_") + mode + ".trace");
    ASSERT_EQ(lower_cli(std::string("lower googlenet -q --blocks ") + mode + " --out '" + one + "'").exit_code, 0);
    const Outcome planned = lower_cli("plan '" + one + "' --generations 20");
    ASSERT_EQ(planned.exit_code, 0) << planned.err;
    EXPECT_NE(planned.out.find(fmt::format("peak {} bytes", peak)), std::string::npos) << mode << ": " << planned.out;
  }
  EXPECT_LT(mixed, band);
  const Outcome bad = lower_cli("lower googlenet --blocks some --out '" + trace + "'");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("tensor, band, tile, mixed or auto"), std::string::npos) << bad.err;
}

TEST(LowerCli, QuietPrintsNothingAndOverridesApply) {
  const std::string trace = temp_path("quiet.trace");
  const Outcome r = lower_cli("lower alexnet -q -p core.element_bytes=4 --out '" + trace + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(read_trace_file(trace).element_bytes, 4u);
}

TEST(LowerCli, ABatchBeyondTheTraceLimitIsRefusedAtOnceNamingTheLargestThatFits) {
  // Batch 5000 once took 40 s and 4.7 GB of memory before anything refused it; the estimate
  // from one sample (the only message naming the largest batch that fits) takes 0.1 s.
  const Outcome r = lower_cli("lower -m resnet50 --batch 5000 --out '" + testing::TempDir() + "never.trace'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--batch"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("at most batch 2"), std::string::npos) << r.err;
}

// A cascaded ResNet-18 on 4 cores, its Tetris plan simulated with jittered timing: the rolling
// buffers are reused as the program says, and the checker finds no clobbered read.
TEST(LowerCli, ACascadedProgramsPlanIsSafeUnderJitter) {
  const std::string dir = temp_path("cascade_run");
  const Outcome run = lower_cli("run --model resnet18 --schedule cascade --generations 50 --quiet --out '" + dir + "'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json report = nlohmann::json::parse(read_text_file(dir + "/report.json"));
  for (const auto& plan : report["plans"]) EXPECT_EQ(plan["conflicts"], 0) << plan["planner"];
  const Outcome sim = lower_cli("sim '" + dir + "/trace.trace' --plan '" + dir +
                             "/plans/tetris-instruction.yaml' --jitter 1 --runs 4 --json --out '" + dir + "/sim.json'");
  ASSERT_EQ(sim.exit_code, 0) << sim.err;
  const nlohmann::json result = nlohmann::json::parse(read_text_file(dir + "/sim.json"));
  EXPECT_EQ(result["summary"]["conflicts"], 0);
  EXPECT_EQ(result["runs"].size(), 4u);
  // Under p2p sync (cores wait only for the bytes they read), the instruction-level plan too.
  const std::string p2p = temp_path("cascade_p2p");
  ASSERT_EQ(lower_cli("lower --model resnet18 --schedule cascade --sync p2p --out '" + p2p + ".trace'").exit_code, 0);
  ASSERT_EQ(lower_cli("plan '" + p2p + ".trace' --generations 50 --quiet --out '" + p2p + ".plan.yaml'").exit_code, 0);
  const Outcome p2p_sim = lower_cli("sim '" + p2p + ".trace' --plan '" + p2p + ".plan.yaml' --jitter 1 --runs 4 --json --out '" +
                                 p2p + ".sim.json'");
  ASSERT_EQ(p2p_sim.exit_code, 0) << p2p_sim.err;
  const nlohmann::json p2p_result = nlohmann::json::parse(read_text_file(p2p + ".sim.json"));
  EXPECT_EQ(p2p_result["summary"]["conflicts"], 0);
  EXPECT_TRUE(p2p_result["deadlocks"].empty());
  for (const char* ext : {".trace", ".plan.yaml", ".sim.json"}) std::filesystem::remove(p2p + ext);
  std::filesystem::remove_all(dir);
  // A memory budget no schedule meets is bad input, named with what the smallest plan takes.
  const Outcome tight = lower_cli("run --model resnet18 --memory-budget 1000 --generations 20 --quiet --out '" + dir + "'");
  EXPECT_EQ(tight.exit_code, 2);
  EXPECT_NE(tight.err.find("--memory-budget: no schedule fits 1000 bytes"), std::string::npos) << tight.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/report.json"));
}

// Two 1x1 convolutions on one core, 4 rows of 16 pixels: x widens 4 channels to 16, y narrows
// them to 4. The cascade walks y in strips of 2 rows (one-row strips would reload the weights
// more than the tenth of the traffic allowed), so x lives in a ring of 2 rows, 2 x 16 x 16 x 2 =
// 1024 bytes instead of its 2048. On the ideal bus (64 B/cycle, latency 100, one request in
// flight; a compute of 2048 MACs takes 8 cycles at 256 MACs/cycle), per strip, a transfer of B
// bytes taking 100 + B/64 cycles:
//   load input rows (256 B) 0-104, x weights (128 B) 104-206, compute 206-214, store the ring
//   (1024 B) 214-330; load the ring (it waits for that store) 330-446, y weights 446-548,
//   compute 548-556, store y (256 B) 556-660. The second strip's input loads as soon as the load
//   unit is free: 548-652, weights 652-754, compute 754-762, ring store 762-878, ring load
//   878-994, weights 994-1096, compute 1096-1104, store 1104-1208: 1208 cycles.
// Layer by layer: load 512 B 0-108, weights 108-210, compute (16 cycles) 210-226, store x
// (2048 B) 226-358, load it 358-490, weights 490-592, compute 592-608, store 608-716: 716. On a
// model this small the cascade's extra transfers cost more than it saves; the sizes are the point.
TEST(LowerCli, ATwoLayerCascadeTakesTheHandComputedRingAndCycles) {
  const std::string model = temp_path("two.yaml");
  write_text_file_atomically(model, R"(name: two
input: {shape: [4, 4, 16]}
layers:
  - {name: x, op: conv, out: 16, kernel: 1, bias: false}
  - {name: y, op: conv, out: 4, kernel: 1, bias: false}
)");
  const std::string machine = "--config cambricon-x-1core -p memory.model=ideal -p memory.requests_in_flight=1";
  const auto cycles = [&](const std::string& schedule) -> std::uint64_t {
    const std::string trace = temp_path(schedule + ".two.trace"), json = temp_path(schedule + ".two.json");
    const Outcome lowered = lower_cli("lower --model '" + model + "' " + machine + " --partition rows --schedule " + schedule +
                                   " --cascade-slowdown 1000000 --out '" + trace + "'");
    EXPECT_EQ(lowered.exit_code, 0) << lowered.err;
    if (schedule == "cascade") {
      const Program program = read_trace_file(trace);
      std::uint64_t ring = 0;
      for (const Tensor& t : program.tensors)
        if (t.name == "x@core0") ring = t.bytes;
      EXPECT_EQ(ring, 1024u);
    }
    const Outcome sim = lower_cli("sim '" + trace + "' " + machine + " --json --out '" + json + "'");
    EXPECT_EQ(sim.exit_code, 0) << sim.err;
    const std::uint64_t result = nlohmann::json::parse(read_text_file(json))["summary"]["cycles"];
    std::filesystem::remove(trace);
    std::filesystem::remove(json);
    return result;
  };
  EXPECT_EQ(cycles("cascade"), 1208u);
  EXPECT_EQ(cycles("layer"), 716u);
  std::filesystem::remove(model);
}

TEST(LowerCli, BadUsageExitsTwo) {
  std::filesystem::remove(testing::TempDir() + "x.trace");  // what an earlier run left would pass for ours
  const Outcome no_out = lower_cli("lower");
  EXPECT_EQ(no_out.exit_code, 2);
  EXPECT_NE(no_out.err.find("--out"), std::string::npos) << no_out.err;
  const Outcome sync = lower_cli("lower --sync sometimes --out x.trace");
  EXPECT_EQ(sync.exit_code, 2);
  EXPECT_NE(sync.err.find("unknown sync mode 'sometimes'"), std::string::npos) << sync.err;
  const Outcome partition = lower_cli("lower --partition diagonal --out x.trace");
  EXPECT_EQ(partition.exit_code, 2);
  EXPECT_NE(partition.err.find("rows, channels or auto"), std::string::npos) << partition.err;
  const Outcome both = lower_cli("lower --no-fuse --fuse-residual --out x.trace");
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("--fuse-residual"), std::string::npos) << both.err;
  const Outcome schedule = lower_cli("lower --schedule sideways --out x.trace");
  EXPECT_EQ(schedule.exit_code, 2);
  EXPECT_NE(schedule.err.find("layer, cascade or auto"), std::string::npos) << schedule.err;
  const Outcome slowdown = lower_cli("lower --schedule cascade --cascade-slowdown -1 --out x.trace");
  EXPECT_EQ(slowdown.exit_code, 2);
  EXPECT_NE(slowdown.err.find("--cascade-slowdown"), std::string::npos) << slowdown.err;
  const Outcome model = lower_cli("lower --model nosuchnet --out x.trace");
  EXPECT_EQ(model.exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(testing::TempDir() + "x.trace"));
}

}  // namespace
}  // namespace tetris
