// Which model layers become layers of the lowered program.
#include "workloads/fusion.h"

#include <gtest/gtest.h>

#include "workloads/model_yaml.h"

namespace tetris::workloads {
namespace {

const char* kModel = R"(name: fuse
input: {shape: [3, 16, 16]}
layers:
  - {name: conv1, op: conv, out: 8, kernel: 3, pad: 1}
  - {name: bn1, op: batch_norm}
  - {name: relu1, op: relu}
  - {name: conv2, op: conv, out: 8, kernel: 1}
  - {name: relu2, op: relu}
  - {name: side, op: max_pool, input: conv2, kernel: 2, stride: 2}
  - {name: pool, op: max_pool, input: relu2, kernel: 2, stride: 2}
  - {name: cat, op: concat, inputs: [pool, side]}
  - {name: drop, op: dropout}
  - {name: fc, op: fully_connected, out: 4}
  - {name: prob, op: softmax}
)";

TEST(Fusion, FollowersFoldIntoTheConvolutionBeforeThem) {
  const Model model = parse_model_yaml(kModel, "fuse.yaml", {1, 2});
  const std::vector<Step> steps = plan_steps(model, true);
  std::vector<std::string> names, labels;
  for (const Step& s : steps) names.push_back(s.name), labels.push_back(s.op_label);
  // relu2 is not folded: conv2's output is also read by `side`.
  EXPECT_EQ(names, (std::vector<std::string>{"conv1", "conv2", "relu2", "side", "pool", "cat", "drop", "fc", "prob"}));
  EXPECT_EQ(labels[0], "conv+batch_norm+relu");
  EXPECT_EQ(steps[0].output, *model.find_tensor("relu1"));
  EXPECT_EQ(steps[0].followers.size(), 2u);
  EXPECT_EQ(steps[5].kind, StepKind::concat);
  EXPECT_EQ(steps[6].kind, StepKind::view);
  EXPECT_EQ(steps[8].kind, StepKind::compute);  // softmax after fc is not a follower
}

TEST(Fusion, WithoutFusionEveryLayerIsAStep) {
  const Model model = parse_model_yaml(kModel, "fuse.yaml", {1, 2});
  const std::vector<Step> steps = plan_steps(model, false);
  ASSERT_EQ(steps.size(), model.layers.size());
  for (std::size_t i = 0; i < steps.size(); ++i) {
    EXPECT_EQ(steps[i].name, model.layers[i].name);
    EXPECT_TRUE(steps[i].followers.empty());
  }
}

TEST(Fusion, ReadersCountEveryOperand) {
  const Model model = parse_model_yaml(kModel, "fuse.yaml", {1, 2});
  const auto readers = count_readers(model);
  EXPECT_EQ(readers[*model.find_tensor("conv2")], 2u);
  EXPECT_EQ(readers[*model.find_tensor("prob")], 0u);
}

}  // namespace
}  // namespace tetris::workloads
