// What `tetris lower` prints: per-layer MACs, bytes and tiles per core, and totals.
#include "workloads/lowering_report.h"

#include <gtest/gtest.h>

#include <fmt/format.h>
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
  EXPECT_FALSE(json.contains("multicast"));
  EXPECT_EQ(table.find("multicast"), std::string::npos);
}

// On a machine that multicasts, the report counts the groups and what they save: in row bands
// every core loads every weight slice of the convolution, which is read once for all.
TEST(LoweringReport, CountsMulticastGroupsAndTheBytesTheMemoryDoesNotRead) {
  const Model model = parse_model_yaml("name: wide\ninput: {shape: [32, 16, 16]}\nlayers:\n"
                                       "  - {name: conv1, op: conv, out: 64, kernel: 3, pad: 1}\n",
                                       "wide.yaml", {1, 2});
  MachineConfig config = load_machine_config("cambricon-x-4core");
  config.memory.multicast = 1;
  LoweringOptions rows;
  rows.partition = PartitionMode::rows;
  const Program p = lower(model, config, rows);
  const LoweringSummary s = summarize_lowering(p, {"small", config.name, "barrier", "auto", 1, true});
  ASSERT_GT(s.multicast_groups, 0u);
  std::uint64_t expected = 0;
  for (const auto& [id, cores] : p.multicasts) {
    for (const Instruction& i : p.streams[cores.front()])
      if (const auto* load = std::get_if<Load>(&i.op); load && load->multicast == id)
        expected += (cores.size() - 1) * load->range.bytes();
  }
  EXPECT_EQ(s.multicast_bytes, expected);
  EXPECT_GE(s.multicast_loads, 2 * s.multicast_groups);
  EXPECT_LT(s.multicast_bytes, s.bytes_loaded);
  EXPECT_NE(format_lowering_table(s).find(fmt::format("multicast: {} groups of {} loads; the memory reads {} bytes fewer",
                                                      s.multicast_groups, s.multicast_loads, expected)),
            std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(lowering_to_json(s))["multicast"]["bytes_not_read"], expected);
}

}  // namespace
}  // namespace tetris::workloads
