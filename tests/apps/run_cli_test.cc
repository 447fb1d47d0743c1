// `tetris run` end to end on a small zoo model: every output file, a conflict-free Tetris plan
// that beats the baselines, and the HTML page rendered by headless Chromium when it is installed.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/file_io.h"
#include "common/machine_config.h"
#include "common/plan_file.h"
#include "common/trace_io.h"
#include "memmgr/plan_io.h"

namespace tetris {
namespace {

int shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The page `html` as headless Chromium built it (its console written to `log`), profile in `dir`.
std::string rendered_dom(const std::string& html, const std::string& dir, const std::string& log) {
  const std::string dom = dir + "/dom.html";
  shell("timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking "
        "--disable-component-update --disable-sync --no-first-run --enable-logging=stderr --v=0 --user-data-dir='" +
        dir + "/chromium' --dump-dom 'file://" + html + "' > '" + dom + "' 2> '" + log + "'");
  return read_text_file(dom);
}

// How often `text` occurs in `page`.
std::size_t occurrences(const std::string& page, const std::string& text) {
  std::size_t n = 0;
  for (std::size_t at = page.find(text); at != std::string::npos; at = page.find(text, at + 1)) ++n;
  return n;
}

class RunCli : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::TempDir() + "tetris_run_" + std::to_string(::getpid()));
    exit_code_ = shell(std::string("'") + TETRIS_BINARY + "' run --model squeezenet-v1.1 --config cambricon-x-4core "
                       "--generations 100 -p memory.latency_cycles=120 --out '" + *dir_ + "' > '" + *dir_ + ".stdout' 2>&1");
  }
  static std::string file(const std::string& name) { return *dir_ + "/" + name; }
  static inline std::string* dir_ = nullptr;
  static inline int exit_code_ = -1;
};

TEST_F(RunCli, WritesEveryOutput) {
  ASSERT_EQ(exit_code_, 0) << read_text_file(*dir_ + ".stdout");
  for (const char* name : {"config.yaml", "trace.trace", "report.json", "report.csv", "layout.svg", "report.html",
                           "layers.csv", "tensors.csv",
                           "plans/tetris-instruction.yaml", "plans/tf-bfc-topology.yaml"})
    EXPECT_TRUE(std::filesystem::exists(file(name))) << name;
  EXPECT_EQ(load_machine_config(file("config.yaml")).cores, 4u);
  EXPECT_EQ(read_trace_file(file("trace.trace")).cores, 4u);
  EXPECT_NE(read_text_file(*dir_ + ".stdout").find("vs tf-bfc"), std::string::npos);
}

TEST_F(RunCli, TetrisPlanIsConflictFreeAndBeatsTheBaselines) {
  ASSERT_EQ(exit_code_, 0);
  const auto report = nlohmann::json::parse(read_text_file(file("report.json")));
  std::uint64_t tetris = 0, best_baseline = ~std::uint64_t{0};
  for (const auto& plan : report["plans"]) {
    if (plan["planner"] == "tetris" && plan["liveness"] == "instruction") {
      tetris = plan["peak_bytes"];
      EXPECT_EQ(plan["conflicts"], 0);
      EXPECT_GE(plan["over_lower_bound"].get<double>(), 1.0);
    } else if (plan["planner"] != "tetris") {
      best_baseline = std::min<std::uint64_t>(best_baseline, plan["peak_bytes"]);
    }
  }
  EXPECT_GT(tetris, 0u);
  EXPECT_LE(tetris, best_baseline);
  EXPECT_EQ(read_plan_file(file("plans/tetris-instruction.yaml")).peak_bytes, tetris);
}

// Two runs of a sweep differ in a config key: every report says how it was made, and which keys
// the command line changed.
// The tensors named as making the peak are those live at the instruction-level bound: their bytes
// add up to it (unless the rigid-pair rule raised the bound above any moment's live bytes).
TEST_F(RunCli, ThePeakTensorsAddUpToTheInstructionLevelBound) {
  ASSERT_EQ(exit_code_, 0);
  const auto report = nlohmann::json::parse(read_text_file(file("report.json")));
  std::uint64_t bytes = 0;
  std::set<std::string> names;
  for (const auto& t : report["peak_tensors"]) {
    bytes += t["bytes"].get<std::uint64_t>();
    EXPECT_TRUE(names.insert(t["tensor"].get<std::string>()).second) << "a tensor named twice: blocks are summed";
    EXPECT_EQ(t["tensor"].get<std::string>().find('#'), std::string::npos);
  }
  ASSERT_FALSE(names.empty());
  EXPECT_LE(bytes, report["instruction_lower_bound_bytes"].get<std::uint64_t>());
  EXPECT_GE(bytes * 10, report["instruction_lower_bound_bytes"].get<std::uint64_t>() * 9);
  EXPECT_NE(read_text_file(*dir_ + ".stdout").find("live at the instruction-level bound: "), std::string::npos);
}

TEST_F(RunCli, EveryReportAndPlanSaysHowItWasMade) {
  ASSERT_EQ(exit_code_, 0);
  const auto report = nlohmann::json::parse(read_text_file(file("report.json")));
  const auto& provenance = report["provenance"];
  EXPECT_NE(provenance["command"].get<std::string>().find("-p memory.latency_cycles=120"), std::string::npos);
  EXPECT_FALSE(provenance["tetris_version"].get<std::string>().empty());
  const std::string date = provenance["date"];  // like 2026-12-02T01:26:14Z
  const std::string shape = "dddd-dd-ddTdd:dd:ddZ";
  ASSERT_EQ(date.size(), shape.size()) << date;
  for (std::size_t i = 0; i < date.size(); ++i)
    EXPECT_TRUE(shape[i] == 'd' ? std::isdigit(static_cast<unsigned char>(date[i])) != 0 : date[i] == shape[i]) << date;
  EXPECT_EQ(provenance["memory.latency_cycles"], "120 (set by -p)");
  EXPECT_EQ(provenance["memory.bandwidth_bytes_per_cycle"], "64");
  EXPECT_EQ(provenance["batch"], "1");
  EXPECT_EQ(provenance["blocks"], "band");
  // CSV: unique column names, and every row as wide as the header (quoted commas included).
  const std::string csv = read_text_file(file("report.csv"));
  auto fields = [](std::string_view line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (char c : line) {
      if (c == '"') quoted = !quoted;
      else if (c == ',' && !quoted) out.emplace_back();
      else out.back() += c;
    }
    return out;
  };
  std::vector<std::string> lines;
  for (std::size_t at = 0, end; (end = csv.find('\n', at)) != std::string::npos; at = end + 1)
    lines.push_back(csv.substr(at, end - at));
  ASSERT_GE(lines.size(), 2u);
  const auto header = fields(lines[0]);
  EXPECT_EQ(std::set<std::string>(header.begin(), header.end()).size(), header.size()) << lines[0];
  const auto column = std::find(header.begin(), header.end(), "memory.latency_cycles") - header.begin();
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto row = fields(lines[i]);
    ASSERT_EQ(row.size(), header.size()) << lines[i];
    EXPECT_EQ(row[static_cast<std::size_t>(column)], "120 (set by -p)");
  }
  EXPECT_NE(read_text_file(file("report.html")).find("How this run was made"), std::string::npos);
  EXPECT_EQ(read_plan_file(file("plans/tetris-instruction.yaml")).tool, "tetris " + provenance["tetris_version"].get<std::string>());
}

TEST_F(RunCli, CompareShowsTheSettingsThatDifferAndEachPlansChange) {
  ASSERT_EQ(exit_code_, 0);
  // B: the same run as if made with half the bandwidth, twice the cycles of the Tetris plan and
  // an unsafe tf-bfc plan.
  auto report = nlohmann::json::parse(read_text_file(file("report.json")));
  report["provenance"]["memory.bandwidth_bytes_per_cycle"] = "32 (set by -p)";
  std::uint64_t cycles = 0;
  for (auto& plan : report["plans"]) {
    if (plan["planner"] == "tetris" && plan["liveness"] == "instruction") {
      cycles = plan["cycles"];
      plan["cycles"] = 2 * cycles;
    }
    if (plan["planner"] == "tf-bfc" && plan["liveness"] == "topology") plan["safe"] = false;
  }
  const std::string b = *dir_ + "-b.json";
  write_text_file_atomically(b, report.dump());
  const std::string out = *dir_ + "-compare.txt";
  ASSERT_EQ(shell(std::string("'") + TETRIS_BINARY + "' compare '" + *dir_ + "' '" + b + "' > '" + out + "'"), 0);
  const std::string text = read_text_file(out);
  EXPECT_NE(text.find("memory.bandwidth_bytes_per_cycle"), std::string::npos) << text;
  EXPECT_EQ(text.find("memory.latency_cycles"), std::string::npos) << "a setting that is the same is listed: " << text;
  EXPECT_NE(text.find(fmt::format("{:>11} {:>11} {:>8}", cycles, 2 * cycles, "+100.0%")), std::string::npos) << text;
  EXPECT_NE(text.find("UNSAFE"), std::string::npos) << text;
  ASSERT_EQ(shell(std::string("'") + TETRIS_BINARY + "' compare --json '" + *dir_ + "' '" + b + "' > '" + out + "'"), 0);
  const auto json = nlohmann::json::parse(read_text_file(out));
  EXPECT_EQ(json["settings_that_differ"].size(), 1u);
  EXPECT_EQ(json["plans"][0]["cycles_change"], 1.0);
  // Not a report, a missing second run: exit 2.
  EXPECT_EQ(shell(std::string("'") + TETRIS_BINARY + "' compare '" + *dir_ + "' '" + file("config.yaml") + "' 2>/dev/null"), 2);
  EXPECT_EQ(shell(std::string("'") + TETRIS_BINARY + "' compare '" + *dir_ + "' 2>/dev/null"), 2);
}

// tensors.csv: per plan, per buffer, the offset its plan file gives; layers.csv: a row per layer.
TEST_F(RunCli, PerTensorAndPerLayerCsvAgreeWithThePlansAndTheTrace) {
  ASSERT_EQ(exit_code_, 0);
  const PlanFile plan = read_plan_file(file("plans/tetris-instruction.yaml"));
  std::map<std::string, std::uint64_t> offsets(plan.offsets.begin(), plan.offsets.end());
  const std::string tensors = read_text_file(file("tensors.csv"));
  std::size_t rows = 0;
  for (std::size_t at = tensors.find('\n') + 1, end; (end = tensors.find('\n', at)) != std::string::npos; at = end + 1) {
    const std::string line = tensors.substr(at, end - at);
    if (line.rfind("tetris,instruction,", 0) != 0) continue;
    std::vector<std::string> f;
    for (std::size_t s = 0, c; ; s = c + 1) {
      c = line.find(',', s);
      f.push_back(line.substr(s, c == std::string::npos ? std::string::npos : c - s));
      if (c == std::string::npos) break;
    }
    ASSERT_EQ(f.size(), 7u) << line;
    ASSERT_TRUE(offsets.count(f[2])) << line;
    EXPECT_EQ(std::stoull(f[4]), offsets[f[2]]) << line;
    EXPECT_LE(std::stoull(f[5]), std::stoull(f[6])) << line;
    ++rows;
  }
  EXPECT_EQ(rows, plan.offsets.size());
  const std::string layers = read_text_file(file("layers.csv"));
  EXPECT_EQ(layers.rfind("layer,cycles,own_cycles,roofline,vs_roofline,", 0), 0u) << layers.substr(0, 80);
  EXPECT_EQ(static_cast<std::size_t>(std::count(layers.begin(), layers.end(), '\n')),
            read_trace_file(file("trace.trace")).layers.size() + 1);
}

// -p key=v1,v2 sweeps: a run folder per value and one CSV whose rows say which value they had.
TEST(RunSweep, AListOfValuesRunsACellPerValueAndMergesTheirRows) {
  const std::string dir = testing::TempDir() + "tetris_sweep_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  const std::string binary = std::string("'") + TETRIS_BINARY + "'";
  // A bad value anywhere in the list stops the sweep before any work.
  EXPECT_EQ(shell(binary + " run -m alexnet -q -o '" + dir + "' -p memory.model=ideal -p memory.bandwidth_bytes_per_cycle=32,0 2>/dev/null"), 2);
  EXPECT_FALSE(std::filesystem::exists(dir));
  ASSERT_EQ(shell(binary + " run -m alexnet -q --generations 10 -o '" + dir +
                  "' -p memory.model=ideal -p memory.bandwidth_bytes_per_cycle=32,64"),
            0);
  std::map<std::string, std::uint64_t> tetris_cycles;
  for (const char* value : {"32", "64"}) {
    const std::string cell = dir + "/memory.model=ideal,memory.bandwidth_bytes_per_cycle=" + value;
    const auto report = nlohmann::json::parse(read_text_file(cell + "/report.json"));
    EXPECT_EQ(report["provenance"]["memory.bandwidth_bytes_per_cycle"], std::string(value) + " (set by -p)");
    for (const auto& plan : report["plans"])
      if (plan["planner"] == "tetris" && plan["liveness"] == "instruction") tetris_cycles[value] = plan["cycles"];
  }
  EXPECT_GT(tetris_cycles["32"], tetris_cycles["64"]) << "half the bandwidth, more cycles";
  const std::string merged = read_text_file(dir + "/sweep.csv");
  const auto rows = static_cast<std::size_t>(std::count(merged.begin(), merged.end(), '\n'));
  const std::string one = read_text_file(dir + "/memory.model=ideal,memory.bandwidth_bytes_per_cycle=32/report.csv");
  EXPECT_EQ(rows, 2 * static_cast<std::size_t>(std::count(one.begin(), one.end(), '\n')) - 1);
  EXPECT_NE(merged.find("32 (set by -p)"), std::string::npos);
  EXPECT_NE(merged.find("64 (set by -p)"), std::string::npos);
  std::filesystem::remove_all(dir);
}

// One capacity rule: a plan fits when its footprint is within the arena the machine's memory leaves
// beside the weights. A baseline that does not fit is marked and not compared; a Tetris plan that
// does not fit makes the run exit 2, its report still written.
TEST(RunCapacity, PlansBeyondTheArenaAreMarkedAndATetrisPlanThatDoesNotFitExitsTwo) {
  const std::string dir = testing::TempDir() + "tetris_capacity_" + std::to_string(::getpid());
  const std::string binary = std::string("'") + TETRIS_BINARY + "' run -m alexnet -q --generations 10 ";
  ASSERT_EQ(shell(binary + "-o '" + dir + "/all'"), 0);
  const auto all = nlohmann::json::parse(read_text_file(dir + "/all/report.json"));
  const std::uint64_t capacity = load_machine_config("cambricon-x-4core").memory.capacity_bytes;
  const std::uint64_t arena = all["arena_bytes"], weights = capacity - arena;
  std::uint64_t tetris = 0, naive = 0;
  for (const auto& plan : all["plans"]) {
    EXPECT_TRUE(plan["fits"].get<bool>());
    if (plan["planner"] == "tetris" && plan["liveness"] == "instruction") tetris = plan["peak_bytes"];
    if (plan["planner"] == "naive") naive = plan["peak_bytes"];
  }
  ASSERT_LT(tetris, naive);
  const std::uint64_t tight = weights + (tetris + 63) / 64 * 64;  // room for Tetris, not for no reuse
  ASSERT_EQ(shell(binary + fmt::format("-p memory.capacity_bytes={} -o '{}/tight'", tight, dir)), 0);
  const auto report = nlohmann::json::parse(read_text_file(dir + "/tight/report.json"));
  for (const auto& plan : report["plans"]) {
    const std::uint64_t peak = plan["peak_bytes"];
    EXPECT_EQ(plan["fits"].get<bool>(), peak <= report["arena_bytes"].get<std::uint64_t>()) << plan;
    if (plan["planner"] == "naive") {
      EXPECT_EQ(plan["over_arena_bytes"], naive - report["arena_bytes"].get<std::uint64_t>());
      EXPECT_TRUE(plan["safe"].is_null()) << "a plan that does not fit is not simulated";
      EXPECT_TRUE(plan["reduction_vs_tf_bfc"].is_null());
    }
  }
  EXPECT_NE(read_text_file(dir + "/tight/report.csv").find("over_arena_bytes"), std::string::npos);
  const std::uint64_t too_small = weights + tetris / 64 * 64 - 64;
  EXPECT_EQ(shell(binary + fmt::format("-p memory.capacity_bytes={} -o '{}/small' 2>'{}/err'", too_small, dir, dir)), 2);
  EXPECT_NE(read_text_file(dir + "/err").find("does not fit"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir + "/small/report.json")) << "the report says which plans fit";
  EXPECT_EQ(shell(binary + fmt::format("-p memory.capacity_bytes={} -o '{}/none' 2>/dev/null", weights / 2, dir)), 2)
      << "weights alone beyond the memory";
  std::filesystem::remove_all(dir);
}

// The transformer graphs of ../shared, 4 and 16 cores, both sync modes: the Tetris plan simulates
// without a conflict or deadlock, also with jittered timing over 20 runs.
TEST(RunTransformers, TetrisPlansSurviveJitter) {
  const std::string folder = std::string(TETRIS_SHARED_DIR) + "/models/transformers/";
  if (!std::filesystem::is_directory(folder)) GTEST_SKIP() << folder << " is absent (a fresh clone has no ../shared)";
  const std::string dir = testing::TempDir() + "tetris_transformers_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  for (const char* model : {"bert-tiny", "gpt2-tiny"})
    for (const char* cores : {"4", "16"})
      for (const char* sync : {"barrier", "p2p"}) {
        const std::string out = fmt::format("{}/{}-{}-{}", dir, model, cores, sync);
        SCOPED_TRACE(out);
        ASSERT_EQ(shell(fmt::format("'{}' run --model '{}{}.onnx' --config cambricon-x-{}core --sync {} --generations 50 "
                                    "--out '{}' > '{}.log' 2>&1",
                                    TETRIS_BINARY, folder, model, cores, sync, out, out)),
                  0)
            << read_text_file(out + ".log");
        ASSERT_EQ(shell(fmt::format("'{}' sim '{}/trace.trace' --plan '{}/plans/tetris-instruction.yaml' --config "
                                    "cambricon-x-{}core --jitter 1 --runs 20 --json --out '{}/jitter.json' > '{}.sim' 2>&1",
                                    TETRIS_BINARY, out, out, cores, out, out)),
                  0)
            << read_text_file(out + ".sim");
        const auto sim = nlohmann::json::parse(read_text_file(out + "/jitter.json"));
        ASSERT_EQ(sim["runs"].size(), 20u);
        for (const auto& run : sim["runs"]) {
          EXPECT_EQ(run["conflicts"], 0);
          EXPECT_EQ(run["deadlocked"], false);
        }
      }
  std::filesystem::remove_all(dir);
}

// With its default budget (generations and work, not the clock) a run is reproducible: two runs
// give the same report but for when they ran, how long planning took and the --out path. The
// clock is only a safety net, so it is set where it cannot bite: under ASan the search of AlexNet's
// band problem (1.3 s in Release) took past the default 10 s and stopped at a different generation.
// 200 generations keep the test short under ASan; the budget is as deterministic as the default.
TEST(RunDefaults, TwoIdenticalRunsGiveTheSameReport) {
  const std::string a = testing::TempDir() + "tetris_same_a_" + std::to_string(::getpid());
  const std::string b = testing::TempDir() + "tetris_same_b_" + std::to_string(::getpid());
  for (const std::string& dir : {a, b})
    ASSERT_EQ(shell(std::string("'") + TETRIS_BINARY + "' run -m alexnet -q --time-limit 600 --generations 200 -o '" +
                    dir + "'"),
              0);
  auto strip = [](nlohmann::json report) {
    for (const char* key : {"command", "date"}) report["provenance"].erase(key);
    for (auto& plan : report["plans"]) plan.erase("plan_seconds");
    return report;
  };
  const auto ra = strip(nlohmann::json::parse(read_text_file(a + "/report.json")));
  const auto rb = strip(nlohmann::json::parse(read_text_file(b + "/report.json")));
  EXPECT_EQ(ra, rb);
  EXPECT_GT(ra["plans"][0]["generations"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(read_text_file(a + "/layout.svg"), read_text_file(b + "/layout.svg"));
  // The simulator's default machine follows the trace: a 16-core trace runs without --config.
  ASSERT_EQ(shell(std::string("'") + TETRIS_BINARY + "' lower -m alexnet -c cambricon-x-16core -q -o '" + a +
                  "/16.trace'"),
            0);
  EXPECT_EQ(shell(std::string("'") + TETRIS_BINARY + "' sim '" + a + "/16.trace' -q"), 0);
  std::filesystem::remove_all(a);
  std::filesystem::remove_all(b);
}

TEST_F(RunCli, HtmlReportRendersInHeadlessChromium) {
  ASSERT_EQ(exit_code_, 0);
  const std::string html = read_text_file(file("report.html"));
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // no network resources
  EXPECT_EQ(html.find("<script"), std::string::npos);
  if (shell("command -v chromium >/dev/null") != 0) GTEST_SKIP() << "chromium is not installed";
  const std::string png = *dir_ + "/report.png";
  shell("timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking "
        "--disable-component-update --disable-sync --no-first-run --user-data-dir='" + *dir_ + "/chromium' "
        "--screenshot='" + png + "' --window-size=1200,900 'file://" + file("report.html") + "' >/dev/null 2>&1");
  ASSERT_TRUE(std::filesystem::exists(png));
  EXPECT_GT(std::filesystem::file_size(png), 20000u);  // a page with tables and pictures, not a blank one
  // The page as the browser built it: every chart has both axes, with units; no console errors.
  const std::string log = *dir_ + "/console.log";
  const std::string page = rendered_dom(file("report.html"), *dir_, log);
  auto count = [&](const std::string& text) { return occurrences(page, text); };
  const std::size_t charts = count("<svg");
  EXPECT_GE(charts, 9u) << "one chart per plan";
  EXPECT_EQ(count("class=\"axis address\""), charts);
  EXPECT_EQ(count("class=\"axis time\""), charts);
  EXPECT_EQ(count("class=\"bus-chart\""), 1u) << "the memory bus over the Tetris plan's run";
  EXPECT_EQ(count("address (MiB)"), charts - 1) << "one shared scale in MiB";
  EXPECT_EQ(read_text_file(log).find("CONSOLE"), std::string::npos) << read_text_file(log);
}

// With --memory-budget the report draws the schedules it tried: the page renders in headless
// Chromium with the chart's two axes, their units, the budget line and the chosen point. With
// --blocks auto the report says what the schedule choice resolved it to, as a plain run does.
TEST(RunCliMemoryBudget, TheSchedulesChartRendersInHeadlessChromium) {
  const std::string dir = testing::TempDir() + "tetris_budget_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  ASSERT_EQ(shell(std::string("'") + TETRIS_BINARY + "' run -q --model resnet18 --generations 20 --memory-budget 1300000 "
                  "--blocks auto --out '" + dir + "'"), 0);
  const auto report = nlohmann::json::parse(read_text_file(dir + "/report.json"));
  ASSERT_GE(report["schedules"].size(), 2u);
  EXPECT_EQ(report["memory_budget"], 1300000);
  EXPECT_TRUE(report["provenance"]["blocks"].get<std::string>().starts_with("auto: band (")) << report["provenance"];
  if (shell("command -v chromium >/dev/null") != 0) GTEST_SKIP() << "chromium is not installed";
  const std::string log = dir + "/console.log";
  const std::string page = rendered_dom(dir + "/report.html", dir, log);
  auto count = [&](const std::string& text) { return occurrences(page, text); };
  EXPECT_EQ(count("class=\"schedule-chart\""), 1u);
  EXPECT_EQ(count("class=\"axis plan\""), 1u);
  EXPECT_EQ(count("class=\"axis cycles\""), 1u);
  EXPECT_EQ(count("plan (MiB)"), 1u);
  EXPECT_EQ(count("class=\"budget\""), 1u);
  EXPECT_EQ(count("class=\"schedule chosen\""), 1u);
  EXPECT_EQ(count("<circle"), report["schedules"].size());
  EXPECT_EQ(read_text_file(log).find("CONSOLE"), std::string::npos) << read_text_file(log);
  std::filesystem::remove_all(dir);
}

TEST_F(RunCli, BadOptionsExitTwo) {
  EXPECT_EQ(shell(std::string("'") + TETRIS_BINARY + "' run --sync sometimes >/dev/null 2>&1"), 2);
  EXPECT_EQ(shell(std::string("'") + TETRIS_BINARY + "' run --model nonexistent-net >/dev/null 2>&1"), 2);
}

// The run folder holds one run whole (run_folder.h): what concurrent, earlier and killed runs
// must not leave behind.
class RunFolder : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir() + "tetris_run_folder_" + std::to_string(::getpid());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string run(const std::string& model, const std::string& out) const {
    return std::string("'") + TETRIS_BINARY + "' run -q --generations 20 --model " + model + " --out '" + out + "'";
  }
  // Every plan in the folder is a plan of the folder's trace (validate exits 0), and the report
  // lists exactly those plans.
  void expect_one_whole_run(const std::string& folder) const {
    const auto report = nlohmann::json::parse(read_text_file(folder + "/report.json"));
    std::size_t plans = 0;
    for (const auto& entry : std::filesystem::directory_iterator(folder + "/plans")) {
      ++plans;
      EXPECT_EQ(shell(std::string("'") + TETRIS_BINARY + "' validate '" + folder + "/trace.trace' '" +
                      entry.path().string() + "' >/dev/null 2>&1"),
                0)
          << entry.path();
    }
    EXPECT_EQ(plans, report["plans"].size());
  }
  std::string dir_;
};

TEST_F(RunFolder, TwoRunsAtOnceLeaveOneWholeRun) {
  ASSERT_EQ(shell(run("alexnet", dir_) + " & " + run("squeezenet-v1.1", dir_) + " & wait"), 0);
  expect_one_whole_run(dir_);
  // Nothing of theirs beside it either.
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(dir_).parent_path()))
    EXPECT_EQ(entry.path().filename().string().find(std::filesystem::path(dir_).filename().string() + ".run-"),
              std::string::npos)
        << entry.path();
}

TEST_F(RunFolder, AnEarlierRunsFilesAreGoneAndAKilledRunsStagingIsSwept) {
  std::filesystem::create_directories(dir_ + "/plans");
  write_text_file_atomically(dir_ + "/report.json", "{}");
  write_text_file_atomically(dir_ + "/plans/from-an-older-version.yaml", "stale");
  const std::string staging = dir_ + ".run-staging.2147483646";  // no such process
  std::filesystem::create_directories(staging);
  ASSERT_EQ(shell(run("alexnet", dir_)), 0);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/plans/from-an-older-version.yaml"));
  EXPECT_FALSE(std::filesystem::exists(staging));
  expect_one_whole_run(dir_);
}

TEST_F(RunFolder, RefusesAFileOrAFolderOfOtherFilesBeforeAnyWork) {
  std::filesystem::create_directories(dir_);
  write_text_file_atomically(dir_ + "/thesis.tex", "mine");
  EXPECT_EQ(shell(run("resnet50", dir_) + " 2>/dev/null"), 2);
  EXPECT_EQ(read_text_file(dir_ + "/thesis.tex"), "mine");
  EXPECT_EQ(shell(run("resnet50", dir_ + "/thesis.tex") + " 2>/dev/null"), 2);
  EXPECT_EQ(read_text_file(dir_ + "/thesis.tex"), "mine");
}

}  // namespace
}  // namespace tetris
