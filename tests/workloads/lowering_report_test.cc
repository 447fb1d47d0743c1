// What `tetris lower` prints: per-layer MACs, bytes and tiles per core, and totals.
#include "workloads/lowering_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "workloads/lowering.h"
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

TEST(LoweringReport, SumsPerLayerAndCore) {
  const Model model = parse_model_yaml(kModel, "small.yaml", {1, 2});
  const MachineConfig config = load_machine_config("cambricon-x-4core");
  const Program p = lower(model, config);
  const LoweringSummary s = summarize_lowering(p, {"small", config.name, "barrier", "rows", 1, true});
  ASSERT_EQ(s.layers.size(), 2u);  // relu1 folds into conv1
  EXPECT_EQ(s.layers[0].op, "conv+relu");
  EXPECT_EQ(s.layers[0].macs, 4u * 64 * 27);
  EXPECT_EQ(s.layers[1].macs, 10u * 256);
  EXPECT_EQ(s.macs, model.totals.macs);
  EXPECT_EQ(s.layers[0].bytes_stored, 4u * 64 * 2);
  EXPECT_EQ(s.layers[0].tiles.size(), 4u);
  EXPECT_EQ(s.barriers, 4u);  // one barrier between the two layers, on each core
  const std::string table = format_lowering_table(s);
  EXPECT_NE(table.find("lowered small onto cambricon-x-4core (4 cores)"), std::string::npos) << table;
  EXPECT_NE(table.find("conv+relu"), std::string::npos) << table;
  const auto json = nlohmann::json::parse(lowering_to_json(s));
  EXPECT_EQ(json["totals"]["macs"], model.totals.macs);
  EXPECT_EQ(json["layers"][1]["name"], "fc");
  EXPECT_EQ(json["layers"][0]["tiles"].size(), 4u);
}

}  // namespace
}  // namespace tetris::workloads
