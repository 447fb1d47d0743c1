// Runs the real `tetris` binary: exit codes, output, and error messages as a user sees them.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <algorithm>
#include <set>
#include <map>
#include <utility>
#include <vector>

#include "common/file_io.h"
#include "cli_runner.h"
#include "common/machine_config.h"
#include "common/trace_io.h"

namespace tetris {
namespace {

using testing_cli::CliResult;

CliResult run(const std::string& arguments) { return testing_cli::run_tetris(arguments, TETRIS_SOURCE_DIR); }

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = testing::TempDir() + std::to_string(::getpid()) + "_" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(TetrisCli, ConfigShowPrintsTheDefaultFourCoreConfig) {
  const CliResult r = run("config show");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("name: cambricon-x-4core"), std::string::npos) << r.out;
  const MachineConfig printed = parse_machine_config(r.out, "stdout");
  EXPECT_EQ(printed.cores, 4u);
  EXPECT_EQ(printed, parse_machine_config(r.out, printed.source));
}

TEST(TetrisCli, ConfigShowAppliesOverrides) {
  const CliResult r = run("config show --config configs/cambricon-x-16core.yaml -p memory.model=ideal -p memory.bandwidth_bytes_per_cycle=32 "
                    "-p core.nbin_bytes=4096");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const MachineConfig printed = parse_machine_config(r.out, "stdout");
  EXPECT_EQ(printed.cores, 16u);
  EXPECT_EQ(printed.memory.bandwidth_bytes_per_cycle, 32u);
  EXPECT_EQ(printed.core.nbin_bytes, 4096u);
}

TEST(TetrisCli, ConfigShowMarksOverriddenKeysAndKeepsTheConfigsReasonForItsOwnValue) {
  const CliResult r = run("config show -p memory.model=ideal -p memory.bandwidth_bytes_per_cycle=128");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("bandwidth_bytes_per_cycle: 128  # set by -p; the config's 64 was: shared by all cores "
                       "(assumption: 64 GB/s at 1 GHz)"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("latency_cycles: 100  # set by -p"), std::string::npos) << "an untouched key is marked";
  EXPECT_EQ(parse_machine_config(r.out, "stdout").memory.bandwidth_bytes_per_cycle, 128u);
  const auto json = nlohmann::json::parse(run("config show --json -p memory.model=ideal -p memory.bandwidth_bytes_per_cycle=128").out);
  EXPECT_EQ(json["overridden_by_p"]["memory.bandwidth_bytes_per_cycle"]["config_value"], "64");
}

TEST(TetrisCli, OutputToStandardOutputOrADeviceIsWrittenThrough) {
  for (const std::string out : {"-", "/dev/stdout"}) {
    const CliResult r = run("config show --out " + out);
    ASSERT_EQ(r.exit_code, 0) << out << ": " << r.err;
    EXPECT_EQ(parse_machine_config(r.out, out).cores, 4u) << out << " printed: " << r.out;
  }
  const CliResult full = run("config show --out /dev/full");
  EXPECT_EQ(full.exit_code, 2);
  EXPECT_NE(full.err.find("/dev/full"), std::string::npos) << full.err;
}

TEST(TetrisCli, ConfigShowJson) {
  const CliResult r = run("config show --json --config cambricon-x-1core");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["cores"], 1);
  EXPECT_EQ(json["memory"]["alignment_bytes"], 64);
}

TEST(TetrisCli, ConfigShowWritesOutFile) {
  const std::string path = testing::TempDir() + std::to_string(::getpid()) + "_effective.yaml";
  std::remove(path.c_str());
  const CliResult r = run("config show --out '" + path + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(load_machine_config(path).cores, 4u);
}

TEST(TetrisCli, BadConfigExitsTwoNamingFileKeyAndLine) {
  const std::string path = write_temp("tetris_cli_bad.yaml", "cores: 4\nmemory:\n  latency_cycles: soon\n");
  const CliResult r = run("config show --config '" + path + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(path + ":3:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("memory.latency_cycles"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST(TetrisCli, UnknownOverrideKeyExitsTwo) {
  const CliResult r = run("config show -p memory.speed=9");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown key 'memory.speed'"), std::string::npos) << r.err;
}

TEST(TetrisCli, TraceCheckSummarisesAValidTrace) {
  const CliResult r = run("trace check docs/examples/two-core.trace");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("valid"), std::string::npos);
  EXPECT_NE(r.out.find("activation"), std::string::npos);
  const CliResult j = run("trace check docs/examples/two-core.trace --json");
  ASSERT_EQ(j.exit_code, 0) << j.err;
  const auto json = nlohmann::json::parse(j.out);
  EXPECT_EQ(json["per_core"].size(), 2u);
  EXPECT_EQ(json["per_core"][0]["loads"], 3);
  EXPECT_EQ(json["tensors"]["all"]["bytes"], 3 * 8192);
}

TEST(TetrisCli, TraceCheckRefusesAMalformedTrace) {
  const std::string path = write_temp("tetris_cli_bad.trace",
                                      "tetris-trace 1\ncores 2\nelement_bytes 2\ncore 3\n");
  const CliResult r = run("trace check '" + path + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(path + ":4: bad core index 3"), std::string::npos) << r.err;
}

TEST(TetrisCli, MissingFilesAndBadUsageExitTwo) {
  EXPECT_EQ(run("trace check /nonexistent.trace").exit_code, 2);
  EXPECT_EQ(run("trace check").exit_code, 2);
  EXPECT_EQ(run("config show --frobnicate").exit_code, 2);
  EXPECT_EQ(run("config show --config nonexistent-machine").exit_code, 2);
  EXPECT_EQ(run("frobnicate").exit_code, 2);
  EXPECT_EQ(run("").exit_code, 2);
}

TEST(TetrisCli, VersionNamesTheCommit) {
  const CliResult r = run("--version");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("tetris 0.", 0), 0u) << r.out;
  EXPECT_NE(r.out.find('('), std::string::npos) << r.out;  // the git describe, or "unknown commit"
}

TEST(TetrisCli, AnUnknownCommandGetsTheOneMeant) {
  for (const auto& [said, meant] : std::vector<std::pair<std::string, std::string>>{
           {"simulate x", "tetris sim"}, {"config", "tetris config show"}, {"plna", "tetris plan"}}) {
    const CliResult r = run(said);
    EXPECT_EQ(r.exit_code, 2) << said;
    EXPECT_NE(r.err.find("did you mean '" + meant + "'"), std::string::npos) << said << ": " << r.err;
  }
  EXPECT_EQ(run("frobnicate").err.find("did you mean"), std::string::npos);
}

// Boost would read "-5" into an unsigned option as 2^64 - 5.
TEST(TetrisCli, NegativeCountsSeedsAndSizesExitTwoNamingTheOption) {
  for (const char* line : {"plan docs/examples/two-core.trace --seed -5", "sim docs/examples/two-core.trace --jitter -1",
                           "plan docs/examples/two-core.trace --generations -1", "lower alexnet --batch -2 --out x",
                           "plan docs/examples/two-core.trace --max-work -1"}) {
    const CliResult r = run(line);
    EXPECT_EQ(r.exit_code, 2) << line;
    EXPECT_NE(r.err.find("must not be negative"), std::string::npos) << line << ": " << r.err;
  }
}

TEST(TetrisCli, AMissingTraceIsNamedAsTheUsageNamesIt) {
  const CliResult r = run("sim");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing TRACE: usage: tetris sim TRACE"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("--trace"), std::string::npos) << r.err;
}

TEST(TetrisCli, EveryCommandHasHelp) {
  for (const char* command : {"--help", "config show --help", "trace check --help"}) {
    const CliResult r = run(command);
    EXPECT_EQ(r.exit_code, 0) << command << ": " << r.err;
    EXPECT_NE(r.out.find("usage"), std::string::npos) << command;
  }
}

}  // namespace
}  // namespace tetris

namespace tetris {
namespace {

// sim --timeline: Chrome/Perfetto trace events, one slice per instruction on its core's unit.
// On the ideal bus the memory track's slices add up to the report's bus-busy share; on DRAM they
// are the cycles in which some channel moved data, at least the channels' average.
class SimTimeline : public ::testing::TestWithParam<std::string> {};

TEST_P(SimTimeline, HasEveryInstructionOnceAndUnitsNeverOverlap) {
  const std::string trace = "docs/examples/two-core.trace";
  const std::string path = testing::TempDir() + std::to_string(::getpid()) + "_" + GetParam() + "_timeline.json";
  const CliResult r = run("sim " + trace + " -p memory.model=" + GetParam() + " --json --timeline '" + path +
                          "' --layers-csv '" + path + ".csv' --tensors-csv '" + path + ".tensors.csv'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string layers = read_text_file(path + ".csv");
  EXPECT_EQ(layers.rfind("layer,cycles,", 0), 0u) << layers;
  const std::string tensors = read_text_file(path + ".tensors.csv");
  EXPECT_EQ(tensors.rfind("tensor,kind,bytes,base,end\n", 0), 0u) << tensors;
  const auto report = nlohmann::json::parse(r.out);
  const auto timeline = nlohmann::json::parse(read_text_file(path));
  const Program program = read_trace_file(std::string(TETRIS_SOURCE_DIR) + "/" + trace);
  std::map<std::pair<int, int>, std::vector<std::pair<std::uint64_t, std::uint64_t>>> slices;  // (core, unit)
  std::map<int, std::set<std::uint64_t>> instructions;
  std::uint64_t last = 0;
  double memory_busy = 0;
  for (const auto& e : timeline["traceEvents"]) {
    ASSERT_TRUE(e["ph"] == "X" || e["ph"] == "M") << e.dump();
    if (e["ph"] != "X") continue;
    if (e["cat"] == "memory") {  // the bus: its busy cycles add up to the report's share of the run
      memory_busy += static_cast<double>(e["args"]["end_cycle"].get<std::uint64_t>() - e["args"]["start_cycle"].get<std::uint64_t>());
      continue;
    }
    const std::uint64_t start = e["args"]["start_cycle"], end = e["args"]["end_cycle"];
    ASSERT_LE(start, end);
    slices[{e["pid"].get<int>(), e["tid"].get<int>()}].emplace_back(start, end);
    EXPECT_TRUE(instructions[e["pid"]].insert(e["args"]["instruction"].get<std::uint64_t>()).second)
        << "an instruction appears twice: " << e.dump();
    last = std::max(last, end);
  }
  for (CoreId c = 0; c < program.cores; ++c) EXPECT_EQ(instructions[static_cast<int>(c)].size(), program.streams[c].size());
  EXPECT_EQ(static_cast<std::size_t>(std::count(tensors.begin(), tensors.end(), '\n')), program.tensors.size() + 1);
  EXPECT_EQ(last, report["runs"][0]["cycles"].get<std::uint64_t>());
  EXPECT_GT(memory_busy, 0);
  if (GetParam() == "ideal") {
    EXPECT_NEAR(100 * memory_busy / static_cast<double>(last), report["summary"]["memory_bus_busy"].get<double>(), 0.01);
  } else {
    EXPECT_GE(100 * memory_busy / static_cast<double>(last), report["summary"]["memory_bus_busy"].get<double>() - 0.01);
  }
  for (auto& [track, spans] : slices) {
    std::sort(spans.begin(), spans.end());
    for (std::size_t i = 1; i < spans.size(); ++i)
      EXPECT_LE(spans[i - 1].second, spans[i].first) << "core " << track.first << " unit " << track.second;
  }
  EXPECT_EQ(run("sim " + trace + " --timeline missing-folder/t.json").exit_code, 2);
}
INSTANTIATE_TEST_SUITE_P(TetrisCli, SimTimeline, ::testing::Values("ideal", "dram"));

}  // namespace
}  // namespace tetris
