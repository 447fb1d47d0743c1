// Shape inference and work counts of each operator, against hand-computed figures.
#include "workloads/op_shapes.h"

#include <gtest/gtest.h>

#include <vector>

namespace tetris::workloads {
namespace {

OpResult infer(Op op, const LayerParams& params, std::vector<Shape> inputs) {
  return infer_op(op, params, inputs);
}

std::string shape_error(Op op, const LayerParams& params, std::vector<Shape> inputs) {
  try {
    infer_op(op, params, inputs);
  } catch (const OpError& e) {
    return e.what();
  }
  return "(no error)";
}

ConvParams conv(std::uint64_t out, std::uint64_t kernel, std::uint64_t stride = 1, std::uint64_t pad = 0,
                std::uint64_t groups = 1) {
  ConvParams p;
  p.window = {kernel, kernel, stride, stride, {pad, pad, pad, pad}, 1, 1};
  p.out_channels = out;
  p.groups = groups;
  return p;
}

TEST(OpShapes, ConvOutputSizeMacsAndWeights) {
  // ResNet's stem: 7x7/2, pad 3, 224 -> 112; MACs = 64*112*112 outputs x 3*7*7.
  const OpResult r = infer(Op::conv, conv(64, 7, 2, 3), {{1, 3, 224, 224}});
  EXPECT_EQ(r.output, (Shape{1, 64, 112, 112}));
  EXPECT_EQ(r.macs, 64ull * 112 * 112 * 3 * 7 * 7);
  EXPECT_EQ(r.element_ops, 0u);
  ASSERT_EQ(r.weights.size(), 2u);
  EXPECT_EQ(r.weights[0].role, "weight");
  EXPECT_EQ(r.weights[0].shape, (Shape{64, 3, 7, 7}));
  EXPECT_EQ(r.weights[1].shape, (Shape{64, 1, 1, 1}));
}

TEST(OpShapes, GroupedAndDepthwiseConvDivideTheMacs) {
  // AlexNet's conv2: two groups of 48 input channels each.
  const OpResult grouped = infer(Op::conv, conv(256, 5, 1, 2, 2), {{1, 96, 27, 27}});
  EXPECT_EQ(grouped.output, (Shape{1, 256, 27, 27}));
  EXPECT_EQ(grouped.macs, 256ull * 27 * 27 * 48 * 25);
  EXPECT_EQ(grouped.weights[0].shape, (Shape{256, 48, 5, 5}));
  ConvParams dw = conv(32, 3, 2, 1, 32);
  dw.bias = false;
  const OpResult depthwise = infer(Op::conv, dw, {{2, 32, 112, 112}});
  EXPECT_EQ(depthwise.output, (Shape{2, 32, 56, 56}));
  EXPECT_EQ(depthwise.macs, 2ull * 32 * 56 * 56 * 9);
  EXPECT_EQ(depthwise.weights.size(), 1u);
}

TEST(OpShapes, DilationAndAsymmetricPadding) {
  ConvParams p = conv(8, 3);
  p.window.dilation_h = p.window.dilation_w = 2;  // a 3x3 kernel spanning 5x5
  EXPECT_EQ(infer(Op::conv, p, {{1, 4, 10, 10}}).output, (Shape{1, 8, 6, 6}));
  p = conv(8, 3, 2);
  p.window.pad = {0, 0, 1, 1};  // TensorFlow's SAME padding at stride 2: extra row at the end
  EXPECT_EQ(infer(Op::conv, p, {{1, 4, 224, 224}}).output, (Shape{1, 8, 112, 112}));
}

TEST(OpShapes, ConvRefusesChannelsThatDoNotDivideIntoGroups) {
  EXPECT_NE(shape_error(Op::conv, conv(64, 3, 1, 1, 3), {{1, 64, 8, 8}})
                .find("64 channels do not divide into 3 groups"),
            std::string::npos);
  EXPECT_NE(shape_error(Op::conv, conv(10, 3, 1, 1, 4), {{1, 64, 8, 8}}).find("10 output channels"),
            std::string::npos);
  EXPECT_NE(shape_error(Op::conv, conv(8, 7), {{1, 3, 5, 5}}).find("window spans 7 along H"), std::string::npos);
  EXPECT_NE(shape_error(Op::conv, conv(8, 0), {{1, 3, 5, 5}}).find("'kernel' must be at least 1"),
            std::string::npos);
}

TEST(OpShapes, PoolingRoundsDownOrUpLikeCaffe) {
  PoolParams p{{3, 3, 2, 2, {}, 1, 1}, false};
  EXPECT_EQ(infer(Op::max_pool, p, {{1, 64, 112, 112}}).output, (Shape{1, 64, 55, 55}));
  p.ceil_mode = true;  // GoogLeNet's pool1: 112 -> 56
  const OpResult r = infer(Op::max_pool, p, {{1, 64, 112, 112}});
  EXPECT_EQ(r.output, (Shape{1, 64, 56, 56}));
  EXPECT_EQ(r.element_ops, 64ull * 56 * 56 * 9);
  // Ceil mode never starts a window in the trailing padding: 5 + pads of 1, k 2, s 2 rounds
  // up to 4 windows, but the 4th would start at padded position 6, past the input: 3.
  PoolParams edge{{2, 2, 2, 2, {1, 1, 1, 1}, 1, 1}, true};
  EXPECT_EQ(infer(Op::avg_pool, edge, {{1, 1, 5, 5}}).output, (Shape{1, 1, 3, 3}));
}

TEST(OpShapes, FullyConnectedFlattensItsInput) {
  const OpResult r = infer(Op::fully_connected, FullyConnectedParams{4096, true}, {{2, 256, 6, 6}});
  EXPECT_EQ(r.output, (Shape{2, 4096, 1, 1}));
  EXPECT_EQ(r.macs, 2ull * 4096 * 9216);
  EXPECT_EQ(r.weights[0].shape, (Shape{4096, 9216, 1, 1}));
}

TEST(OpShapes, ElementWiseOpsCountOnePerElement) {
  const Shape s{2, 64, 56, 56};
  const std::uint64_t n = 2ull * 64 * 56 * 56;
  EXPECT_EQ(infer(Op::relu, {}, {s}).element_ops, n);
  EXPECT_EQ(infer(Op::relu6, {}, {s}).output, s);
  EXPECT_EQ(infer(Op::dropout, DropoutParams{0.4}, {s}).element_ops, 0u);
  const OpResult bn = infer(Op::batch_norm, {}, {s});
  EXPECT_EQ(bn.element_ops, n);
  ASSERT_EQ(bn.weights.size(), 4u);
  EXPECT_EQ(bn.weights[3].role, "variance");
  EXPECT_EQ(bn.weights[3].shape, (Shape{64, 1, 1, 1}));
  EXPECT_EQ(infer(Op::scale, ScaleParams{false}, {s}).weights.size(), 1u);
  EXPECT_EQ(infer(Op::bias, {}, {s}).weights[0].role, "bias");
  EXPECT_EQ(infer(Op::lrn, LrnParams{5, 1e-4, 0.75, 2}, {s}).element_ops, 5 * n);
  EXPECT_EQ(infer(Op::softmax, {}, {{1, 1000, 1, 1}}).element_ops, 3000u);
  EXPECT_EQ(infer(Op::global_avg_pool, {}, {s}).output, (Shape{2, 64, 1, 1}));
  EXPECT_EQ(infer(Op::global_avg_pool, {}, {s}).element_ops, n);
}

TEST(OpShapes, AddAndMulBroadcastDimensionsOfOne) {
  const OpResult sum = infer(Op::add, {}, {{1, 64, 8, 8}, {1, 64, 8, 8}, {1, 64, 8, 8}});
  EXPECT_EQ(sum.element_ops, 2ull * 64 * 64);
  // Squeeze-and-excitation: a per-channel gate times the feature map.
  EXPECT_EQ(infer(Op::mul, {}, {{1, 64, 8, 8}, {1, 64, 1, 1}}).output, (Shape{1, 64, 8, 8}));
  const std::string error = shape_error(Op::add, {}, {{1, 64, 56, 56}, {1, 128, 28, 28}});
  EXPECT_NE(error.find("input 1 is 1x64x56x56 but another input has C = 128"), std::string::npos) << error;
  EXPECT_NE(error.find("must match or be 1"), std::string::npos) << error;
  EXPECT_NE(shape_error(Op::add, {}, {{1, 64, 8, 8}}).find("at least 2 inputs"), std::string::npos);
}

TEST(OpShapes, ConcatJoinsAlongAnyAxisAndChecksTheOthers) {
  const OpResult r = infer(Op::concat, AxisParams{1}, {{1, 64, 28, 28}, {1, 128, 28, 28}, {1, 32, 28, 28}});
  EXPECT_EQ(r.output, (Shape{1, 224, 28, 28}));
  EXPECT_EQ(r.element_ops, 0u);
  EXPECT_EQ(infer(Op::concat, AxisParams{2}, {{1, 8, 3, 5}, {1, 8, 4, 5}}).output, (Shape{1, 8, 7, 5}));
  const std::string error = shape_error(Op::concat, AxisParams{1}, {{1, 64, 28, 28}, {1, 64, 27, 27}});
  EXPECT_NE(error.find("input 2 is 1x64x27x27 but input 1 is 1x64x28x28"), std::string::npos) << error;
  EXPECT_NE(error.find("needs equal H"), std::string::npos) << error;
  EXPECT_NE(shape_error(Op::concat, AxisParams{4}, {{1, 1, 1, 1}}).find("'axis' must be 0 to 3"),
            std::string::npos);
}

TEST(OpShapes, FlattenReshapeAndTransposeKeepTheElementCount) {
  EXPECT_EQ(infer(Op::flatten, {}, {{3, 256, 6, 6}}).output, (Shape{3, 9216, 1, 1}));
  EXPECT_EQ(infer(Op::reshape, ReshapeParams{{-1}}, {{3, 256, 6, 6}}).output, (Shape{3, 9216, 1, 1}));
  EXPECT_EQ(infer(Op::reshape, ReshapeParams{{0, 36, -1}}, {{1, 256, 6, 6}}).output, (Shape{1, 256, 36, 1}));
  // A rank-5 view folds its trailing dimensions into W.
  EXPECT_EQ(infer(Op::reshape, ReshapeParams{{3, 80, 28, 28}}, {{1, 240, 28, 28}}).output,
            (Shape{1, 3, 80, 784}));
  EXPECT_NE(shape_error(Op::reshape, ReshapeParams{{100}}, {{1, 3, 4, 4}}).find("cannot reshape 48"),
            std::string::npos);
  EXPECT_NE(shape_error(Op::reshape, ReshapeParams{{-1, -1}}, {{1, 3, 4, 4}}).find("only once"),
            std::string::npos);

  const OpResult nhwc = infer(Op::transpose, TransposeParams{{0, 2, 3, 1}, {}}, {{1, 3, 4, 5}});
  EXPECT_EQ(nhwc.output, (Shape{1, 4, 5, 3}));
  EXPECT_EQ(nhwc.element_ops, 60u);
  // ShuffleNet's channel shuffle: (N, g, C/g, H, W) -> (N, C/g, g, H, W).
  const OpResult shuffle =
      infer(Op::transpose, TransposeParams{{0, 2, 1, 3, 4}, {3, 80, 28, 28}}, {{1, 3, 80, 784}});
  EXPECT_EQ(shuffle.output, (Shape{1, 80, 3, 784}));
  EXPECT_NE(
      shape_error(Op::transpose, TransposeParams{{1, 0, 2, 3}, {}}, {{1, 3, 4, 5}}).find("batch axis first"),
      std::string::npos);
  EXPECT_NE(shape_error(Op::transpose, TransposeParams{{0, 1, 1, 3}, {}}, {{1, 3, 4, 5}}).find("permutation"),
            std::string::npos);
}

TEST(OpShapes, CountsThatOverflowAreRefused) {
  const std::uint64_t huge = std::uint64_t{1} << 40;
  const std::string error =
      shape_error(Op::fully_connected, FullyConnectedParams{huge, false}, {{huge, 1, 1, 1}});
  EXPECT_NE(error.find("overflows 64 bits"), std::string::npos) << error;
}

TEST(OpShapes, FoldShapeMapsAnyRankToNchw) {
  const std::vector<std::uint64_t> rank2 = {1000};
  EXPECT_EQ(fold_shape(4, rank2), (Shape{4, 1000, 1, 1}));
  const std::vector<std::uint64_t> rank6 = {2, 3, 4, 5, 6};
  EXPECT_EQ(fold_shape(1, rank6), (Shape{1, 2, 3, 120}));
  const std::vector<std::uint64_t> overflow = {std::uint64_t{1} << 32, std::uint64_t{1} << 32};
  EXPECT_FALSE(fold_shape(1, overflow).has_value());
}

}  // namespace
}  // namespace tetris::workloads
