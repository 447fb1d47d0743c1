// `tetris model show` output: one table row per layer and totals, or the same as JSON.
#include "workloads/model_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "workloads/model_yaml.h"

namespace tetris::workloads {
namespace {

const char* kModel = R"(name: small
input: {shape: [3, 8, 8]}
layers:
  - {name: conv1, op: conv, out: 4, kernel: 3, pad: 1}
  - {name: relu1, op: relu}
  - {name: fc, op: fully_connected, out: 10, bias: false}
)";

TEST(ModelReport, TheTableHasARowPerLayerAndTheTotals) {
  const Model model = parse_model_yaml(kModel, "small.yaml", {2, 2});
  const std::string table = format_model_table(model);
  EXPECT_NE(table.find("model small (small.yaml): 3 layers, batch 2, 2-byte elements"), std::string::npos)
      << table;
  std::istringstream lines(table);
  std::string line;
  int rows = 0;
  while (std::getline(lines, line))
    if (line.find("conv1") != std::string::npos || line.find("relu1") != std::string::npos ||
        line.find(" fc ") != std::string::npos)
      ++rows;
  EXPECT_EQ(rows, 3) << table;
  EXPECT_NE(table.find("2x4x8x8"), std::string::npos) << table;
  const std::uint64_t macs = 2 * (4 * 64 * 27 + 10 * 256);
  EXPECT_NE(table.find(std::to_string(macs)), std::string::npos) << table;
  EXPECT_NE(table.find("weight"), std::string::npos) << table;
}

TEST(ModelReport, JsonCarriesEveryLayerAndTheTotals) {
  const Model model = parse_model_yaml(kModel, "small.yaml", {1, 4});
  const auto json = nlohmann::json::parse(model_to_json(model));
  EXPECT_EQ(json["name"], "small");
  EXPECT_EQ(json["element_bytes"], 4);
  ASSERT_EQ(json["layers"].size(), 3u);
  EXPECT_EQ(json["layers"][0]["op"], "conv");
  EXPECT_EQ(json["layers"][0]["inputs"][0], "data");
  EXPECT_EQ(json["layers"][0]["shape"], nlohmann::json::array({1, 4, 8, 8}));
  EXPECT_EQ(json["layers"][0]["weight_bytes"], (4 * 27 + 4) * 4);
  EXPECT_EQ(json["layers"][1]["element_ops"], 256);
  EXPECT_EQ(json["totals"]["macs"], 4 * 64 * 27 + 10 * 256);
  EXPECT_EQ(json["totals"]["tensors"]["output"]["count"], 1);
  EXPECT_EQ(json["totals"]["tensors"]["input"]["bytes"], 3 * 64 * 4);
}

}  // namespace
}  // namespace tetris::workloads
