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

// A transformer block's pieces as older exporters write them: a decomposed layer norm, a matmul
// followed by GELU in its erf form, a matmul followed by a residual add.
const char* kTransformerModel = R"(name: epilogue
input: {name: tokens, shape: [6]}
layers:
  - {name: embed, op: embedding, rows: 20, features: 8}
  - {name: mean, op: reduce_mean}
  - {name: centred, op: sub, inputs: [embed, mean]}
  - {name: squared, op: pow}
  - {name: variance, op: reduce_mean}
  - {name: variance_eps, op: bias}
  - {name: deviation, op: sqrt}
  - {name: normed, op: div, inputs: [centred, deviation]}
  - {name: gamma, op: scale, bias: false}
  - {name: ln, op: bias}
  - {name: fc1, op: matmul, out: 16, bias: true}
  - {name: a, op: scale, bias: false}
  - {name: b, op: erf}
  - {name: c, op: bias}
  - {name: d, op: mul, inputs: [fc1, c]}
  - {name: gelu, op: scale, bias: false}
  - {name: fc2, op: matmul, out: 8, bias: true}
  - {name: residual, op: add, inputs: [fc2, ln]}
  - {name: fc3, op: matmul, out: 8}
  - {name: late, op: relu, input: embed}
  - {name: not_residual, op: add, inputs: [fc3, late]}
)";

TEST(Fusion, TransformerEpiloguesAndADecomposedLayerNormAreOneStepEach) {
  const Model model = parse_model_yaml(kTransformerModel, "epilogue.yaml", {1, 2});
  const std::vector<Step> steps = plan_steps(model, true);
  std::vector<std::string> names, labels;
  for (const Step& s : steps) names.push_back(s.name), labels.push_back(s.op_label);
  EXPECT_EQ(names, (std::vector<std::string>{"embed", "mean", "fc1", "fc2", "fc3", "late", "not_residual"}));
  EXPECT_EQ(labels[1], "layer_norm");
  EXPECT_TRUE(steps[1].layer_norm);
  EXPECT_EQ(steps[1].followers.size(), 8u);
  EXPECT_EQ(steps[1].output, *model.find_tensor("ln"));
  EXPECT_EQ(labels[2], "matmul+scale+erf+bias+mul+scale");
  EXPECT_EQ(steps[2].output, *model.find_tensor("gelu"));
  EXPECT_FALSE(steps[2].residual);
  EXPECT_EQ(labels[3], "matmul+add");
  EXPECT_EQ(steps[3].residual, model.find_tensor("ln"));
  // `late` is computed after fc3's step would start: the add cannot join it.
  EXPECT_EQ(labels[4], "matmul");
  EXPECT_FALSE(steps[4].residual);
}

// A residual block: the add of the block's input joins the second convolution only with
// fuse_residual, and takes the relu after it along.
TEST(Fusion, AConvolutionAbsorbsAResidualAddOnlyWhenAsked) {
  const char* text = R"(name: block
input: {shape: [8, 6, 6]}
layers:
  - {name: stem, op: conv, out: 8, kernel: 3, pad: 1}
  - {name: a, op: conv, out: 8, kernel: 3, pad: 1}
  - {name: a_relu, op: relu}
  - {name: b, op: conv, out: 8, kernel: 3, pad: 1}
  - {name: b_bn, op: batch_norm}
  - {name: sum, op: add, inputs: [b_bn, stem]}
  - {name: sum_relu, op: relu}
)";
  const Model model = parse_model_yaml(text, "block.yaml", {1, 2});
  const std::vector<Step> plain = plan_steps(model, true);
  ASSERT_EQ(plain.size(), 5u);
  EXPECT_EQ(plain[2].op_label, "conv+batch_norm");
  EXPECT_FALSE(plain[2].residual);
  EXPECT_EQ(plain[3].name, "sum");
  const std::vector<Step> fused = plan_steps(model, true, true);
  ASSERT_EQ(fused.size(), 3u);
  EXPECT_EQ(fused[2].op_label, "conv+batch_norm+add+relu");
  EXPECT_EQ(fused[2].residual, model.find_tensor("stem"));
  EXPECT_EQ(fused[2].output, *model.find_tensor("sum_relu"));
}

TEST(Fusion, AnEpilogueStopsWhereAnInnerResultIsReadOutside) {
  std::string text = kTransformerModel;
  // erf's result is now needed outside fc1's step, and the step cannot end at erf either: the
  // GELU's mul still reads fc1. Nothing folds.
  text += "  - {name: peek, op: relu, input: b}\n";
  const Model model = parse_model_yaml(text, "epilogue.yaml", {1, 2});
  const std::vector<Step> steps = plan_steps(model, true);
  ASSERT_GT(steps.size(), 2u);
  EXPECT_EQ(steps[2].name, "fc1");
  EXPECT_EQ(steps[2].op_label, "matmul");
  EXPECT_EQ(steps[3].op_label, "scale");
}

TEST(Fusion, OnlyASquareMakesALayerNorm) {
  std::string text = kTransformerModel;
  text.replace(text.find("op: pow}"), 8, "op: pow, exponent: 3}");
  const Model model = parse_model_yaml(text, "epilogue.yaml", {1, 2});
  const std::vector<Step> steps = plan_steps(model, true);
  ASSERT_GT(steps.size(), 1u);
  EXPECT_FALSE(steps[1].layer_norm);
  EXPECT_EQ(steps[1].op_label, "reduce_mean");
}

TEST(Fusion, ConvolutionsKeepTheirResidualAddsSeparate) {
  const char* yaml = R"(name: res
input: {shape: [4, 8, 8]}
layers:
  - {name: stem, op: conv, out: 4, kernel: 3, pad: 1}
  - {name: branch, op: conv, out: 4, kernel: 3, pad: 1}
  - {name: sum, op: add, inputs: [branch, stem]}
)";
  const Model model = parse_model_yaml(yaml, "res.yaml", {1, 2});
  const std::vector<Step> steps = plan_steps(model, true);
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[1].op_label, "conv");
  EXPECT_FALSE(steps[1].residual);
}

}  // namespace
}  // namespace tetris::workloads
