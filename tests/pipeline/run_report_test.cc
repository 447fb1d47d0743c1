// The run report ranks only safe plans and shows cycles: an unsafe plan (say a layer-order plan
// under p2p sync) gets no reduction, whatever its footprint, and every table says so.
#include "pipeline/run_report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tetris::pipeline {
namespace {

RunReport report_with_an_unsafe_smaller_plan() {
  RunReport r;
  r.model = "m";
  r.config = "c";
  r.sync = "p2p";
  r.partition = "rows";
  r.cores = 4;
  r.instruction_bound = 1000;
  auto row = [](std::string planner, std::string level, std::uint64_t peak, std::uint64_t conflicts,
                std::uint64_t cycles) {
    PlanRow p{std::move(planner), std::move(level), peak, 0.0, conflicts, false, cycles, std::nullopt, false, {}};
    return p;
  };
  r.rows = {row("tetris", "instruction", 1200, 0, 5000), row("naive", "topology", 4000, 0, 5000),
            row("tf-bfc", "tensor", 2000, 0, 5000), row("greedy-size", "topology", 900, 17, 5100)};
  return r;
}

TEST(RunReport, AnUnsafePlanIsMarkedAndNeverCompared) {
  const RunReport r = report_with_an_unsafe_smaller_plan();
  const auto json = nlohmann::json::parse(r.json());
  for (const auto& plan : json["plans"]) {
    if (plan["planner"] == "greedy-size") {
      EXPECT_EQ(plan["safe"], false);
      EXPECT_TRUE(plan["reduction_vs_tf_bfc"].is_null()) << "an unsafe plan got a reduction";
      EXPECT_TRUE(plan["reduction_vs_no_reuse"].is_null());
    }
    if (plan["planner"] == "tetris") {
      EXPECT_DOUBLE_EQ(plan["reduction_vs_tf_bfc"].get<double>(), 0.4);
    }
  }
  const std::string table = r.table();
  EXPECT_NE(table.find("UNSAFE: 17"), std::string::npos) << table;
  EXPECT_NE(table.find("1 plan read clobbered data in simulation (UNSAFE): not compared"), std::string::npos) << table;
  EXPECT_NE(r.html().find("UNSAFE: 17"), std::string::npos);
}

TEST(RunReport, CyclesAreInTheTableTheJsonAndThePage) {
  const RunReport r = report_with_an_unsafe_smaller_plan();
  EXPECT_NE(r.table().find("cycles"), std::string::npos);
  EXPECT_NE(r.table().find("5100"), std::string::npos);
  EXPECT_NE(r.html().find("<th>cycles</th>"), std::string::npos);
  EXPECT_NE(r.html().find("<td>5100</td>"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(r.json())["plans"][3]["cycles"], 5100);
}

TEST(RunReport, TheTensorsLiveAtTheBoundAreNamedLargestFirst) {
  RunReport r = report_with_an_unsafe_smaller_plan();
  EXPECT_EQ(r.table().find("live at the instruction-level bound"), std::string::npos) << "nothing to name";
  r.peak_tensors = {{"scores", 3 << 20}, {"probs", 2 << 20}, {"q", 1 << 20}, {"k", 1 << 20}, {"v", 1 << 20},
                    {"x", 1 << 19}};
  const std::string table = r.table();
  EXPECT_NE(table.find("live at the instruction-level bound: scores 3.00 MiB, probs 2.00 MiB, q 1.00 MiB, k 1.00 "
                       "MiB, v 1.00 MiB and 1 more\n"),
            std::string::npos)
      << table;
  const auto json = nlohmann::json::parse(r.json());
  ASSERT_EQ(json["peak_tensors"].size(), 6u);
  EXPECT_EQ(json["peak_tensors"][5]["tensor"], "x");
  EXPECT_EQ(json["peak_tensors"][0]["bytes"], 3 << 20);
  EXPECT_NE(r.html().find("Live at the instruction-level bound: scores 3.00 MiB,"), std::string::npos);
}

}  // namespace
}  // namespace tetris::pipeline
