// `tetris run` end to end on a small zoo model: every output file, a conflict-free Tetris plan
// that beats the baselines, and the HTML page rendered by headless Chromium when it is installed.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "common/file_io.h"
#include "common/machine_config.h"
#include "common/trace_io.h"
#include "memmgr/plan_io.h"

namespace tetris {
namespace {

int shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class RunCli : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::TempDir() + "tetris_run_" + std::to_string(::getpid()));
    exit_code_ = shell(std::string("'") + TETRIS_BINARY + "' run --model squeezenet-v1.1 --config cambricon-x-4core "
                       "--generations 100 --out '" + *dir_ + "' > '" + *dir_ + ".stdout' 2>&1");
  }
  static std::string file(const std::string& name) { return *dir_ + "/" + name; }
  static inline std::string* dir_ = nullptr;
  static inline int exit_code_ = -1;
};

TEST_F(RunCli, WritesEveryOutput) {
  ASSERT_EQ(exit_code_, 0) << read_text_file(*dir_ + ".stdout");
  for (const char* name : {"config.yaml", "trace.trace", "report.json", "report.csv", "layout.svg", "report.html",
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
}

TEST_F(RunCli, BadOptionsExitTwo) {
  EXPECT_EQ(shell(std::string("'") + TETRIS_BINARY + "' run --sync sometimes >/dev/null 2>&1"), 2);
  EXPECT_EQ(shell(std::string("'") + TETRIS_BINARY + "' run --model nonexistent-net >/dev/null 2>&1"), 2);
}

}  // namespace
}  // namespace tetris
