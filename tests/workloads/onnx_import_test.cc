// ONNX import: the real graphs of ../shared/models/onnx-light against the reference table of
// ../shared/README.md, graphs written here with the constructs of other classic CNN exports, and
// one test per way a file can be refused.
#include "workloads/onnx_import.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "common/file_io.h"
#include "common/input_error.h"
#include "workloads/model_loader.h"
#include "tests/workloads/onnx_graph.h"

namespace tetris::workloads {
namespace {

const std::string kLight = std::string(TETRIS_SHARED_DIR) + "/models/onnx-light/";

#define SKIP_WITHOUT_SHARED()                 \
  if (!std::filesystem::is_directory(kLight)) \
  GTEST_SKIP() << kLight << " is absent (a fresh clone has no ../shared); the reference models are there"

using onnx_test::OnnxGraph;

std::string onnx_error(const std::string& path, ModelOptions options = {1, 4}) {
  try {
    import_onnx_file(path, options);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

// The topology-level lower bound of ../shared/README.md: a tensor lives from the step of the
// layer producing it (the graph input from step 0) to the step of its last reader, inclusive.
std::uint64_t max_live_bytes(const Model& model) {
  std::vector<std::size_t> last(model.tensors.size(), 0);
  for (std::size_t step = 0; step < model.layers.size(); ++step)
    for (const TensorId in : model.layers[step].inputs) last[in] = step;
  std::vector<std::uint64_t> live(model.layers.size(), 0);
  for (std::size_t t = 0; t < model.tensors.size(); ++t) {
    const ModelTensor& tensor = model.tensors[t];
    if (tensor.kind == TensorKind::weight) continue;
    const std::size_t first = tensor.producer.value_or(0);
    for (std::size_t step = first; step <= std::max(first, last[t]); ++step) live[step] += tensor.bytes;
  }
  return *std::max_element(live.begin(), live.end());
}

struct Reference {
  const char* file;
  std::uint64_t activations;
  double no_reuse_mib, max_live_mib;
};

// ../shared/README.md, "Reference figures measured on these files" (fp32, batch 1).
const Reference kReference[] = {
    {"light_bvlc_alexnet.onnx", 25, 7.44, 2.14}, {"light_inception_v1.onnx", 144, 35.52, 6.12},
    {"light_resnet50.onnx", 177, 143.87, 9.19},  {"light_squeezenet.onnx", 67, 27.46, 6.02},
    {"light_vgg19.onnx", 47, 119.92, 24.50},
};

TEST(OnnxImport, TheLightModelsMatchTheReferenceTable) {
  SKIP_WITHOUT_SHARED();
  for (const Reference& ref : kReference) {
    SCOPED_TRACE(ref.file);
    const Model model = import_onnx_file(kLight + ref.file, {1, 4});
    std::uint64_t count = 0, bytes = 0;
    for (const ModelTensor& t : model.tensors)
      if (t.kind != TensorKind::weight) ++count, bytes += t.bytes;
    EXPECT_EQ(count, ref.activations);
    constexpr double kMiB = 1 << 20;
    EXPECT_NEAR(static_cast<double>(bytes) / kMiB, ref.no_reuse_mib, 0.005);
    EXPECT_NEAR(static_cast<double>(max_live_bytes(model)) / kMiB, ref.max_live_mib, 0.005);
    const auto outputs = model.tensors_of_kind(TensorKind::output);
    ASSERT_EQ(outputs.size(), 1u);
    EXPECT_EQ(model.tensors[outputs[0]].elements, 1000u);
  }
}

TEST(OnnxImport, ConstantsAndWhatIsComputedFromThemAreWeights) {
  SKIP_WITHOUT_SHARED();
  const Model alexnet = import_onnx_file(kLight + "light_bvlc_alexnet.onnx", {1, 4});
  const auto conv1_w = alexnet.find_tensor("conv1_w_0");  // a ConstantOfShape output
  ASSERT_TRUE(conv1_w.has_value());
  EXPECT_EQ(alexnet.tensors[*conv1_w].kind, TensorKind::weight);
  EXPECT_EQ(alexnet.tensors[*conv1_w].shape, (Shape{96, 3, 11, 11}));
  EXPECT_FALSE(alexnet.find_tensor("conv1_w_0__SHAPE").has_value());  // folded: no layer reads it
  EXPECT_EQ(alexnet.layers[1].op, Op::relu);
  EXPECT_EQ(alexnet.layers[2].op, Op::lrn);
  // GoogLeNet's classifier weight is a Reshape of a constant: a weight, not an activation.
  const Model inception = import_onnx_file(kLight + "light_inception_v1.onnx", {1, 4});
  const auto& gemm = inception.layers[inception.layers.size() - 2];
  EXPECT_EQ(gemm.op, Op::fully_connected);
  ASSERT_EQ(gemm.weights.size(), 2u);
  EXPECT_EQ(inception.tensors[gemm.weights[0]].name, "r142");
  EXPECT_EQ(inception.tensors[gemm.weights[0]].shape, (Shape{1000, 1024, 1, 1}));
  for (const ModelLayer& layer : inception.layers)
    EXPECT_NE(layer.name, "n141") << "a constant Reshape became a layer";
}

TEST(OnnxImport, TheZooTwinsOfTheOnnxModelsAgreeOnEveryMac) {
  SKIP_WITHOUT_SHARED();
  // The zoo's ResNet-50 (v1.5) and SqueezeNet v1.1 are the architectures of these Caffe2 exports.
  EXPECT_EQ(load_model("resnet50", {1, 4}).totals.macs,
            import_onnx_file(kLight + "light_resnet50.onnx", {1, 4}).totals.macs);
  EXPECT_EQ(load_model("squeezenet-v1.1", {1, 4}).totals.macs,
            import_onnx_file(kLight + "light_squeezenet.onnx", {1, 4}).totals.macs);
}

TEST(OnnxImport, TheBatchComesFromTheOptions) {
  SKIP_WITHOUT_SHARED();
  const Model one = import_onnx_file(kLight + "light_resnet50.onnx", {1, 2});
  const Model four = import_onnx_file(kLight + "light_resnet50.onnx", {4, 2});
  EXPECT_EQ(four.tensors[0].shape, (Shape{4, 3, 224, 224}));
  EXPECT_EQ(four.totals.macs, 4 * one.totals.macs);
  EXPECT_EQ(four.totals.of(TensorKind::weight).bytes, one.totals.of(TensorKind::weight).bytes);
  EXPECT_EQ(four.tensors[four.layers.back().output].shape, (Shape{4, 1000, 1, 1}));
}

// Inception-v2/DenseNet-style folded batch norm (Unsqueeze of a Constant, Mul, Add), ReLU6 as
// Clip, a ShuffleNet channel shuffle (5-D Reshape + Transpose), Sum of three, PyTorch's flatten
// (Shape -> Gather -> Unsqueeze -> Concat -> Reshape), MatMul + Add as a fully connected layer.
OnnxGraph classic_graph() {
  OnnxGraph g(11);
  g.input("x", {-1, 3, 8, 8});
  g.ints("w_shape", {16, 3, 3, 3});
  g.node("ConstantOfShape", {"w_shape"}, {"w"});
  auto& conv = g.node("Conv", {"x", "w"}, {"c1"}, "conv1");
  OnnxGraph::attr(conv, "kernel_shape", {3, 3});
  OnnxGraph::attr(conv, "pads", {1, 1, 1, 1});
  auto& constant = g.node("Constant", {}, {"s"});
  auto* value = constant.add_attribute();
  value->set_name("value");
  value->set_type(onnx::AttributeProto::TENSOR);
  value->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
  value->mutable_t()->add_dims(16);
  for (int i = 0; i < 16; ++i) value->mutable_t()->add_float_data(1);
  OnnxGraph::attr(g.node("Unsqueeze", {"s"}, {"s3"}), "axes", {1, 2});
  g.node("Mul", {"c1", "s3"}, {"m1"}, "bn_scale");
  g.floats("b3", {16, 1, 1});
  g.node("Add", {"m1", "b3"}, {"a1"}, "bn_bias");
  g.floats("zero", {}, 0);
  g.floats("six", {}, 6);
  g.node("Clip", {"a1", "zero", "six"}, {"r6"}, "relu6");
  g.ints("groups", {0, 4, 4, 8, 8});
  g.node("Reshape", {"r6", "groups"}, {"g5"}, "shuffle_split");
  OnnxGraph::attr(g.node("Transpose", {"g5"}, {"t5"}, "shuffle"), "perm", {0, 2, 1, 3, 4});
  g.ints("back", {0, 16, 8, 8});
  g.node("Reshape", {"t5", "back"}, {"sh"}, "shuffle_join");
  g.node("Sum", {"sh", "a1", "c1"}, {"sum"}, "sum3");
  g.node("Shape", {"sum"}, {"shape"});
  g.ints("zero_index", {0}, true);
  OnnxGraph::attr(g.node("Gather", {"shape", "zero_index"}, {"batch"}), "axis", 0);
  OnnxGraph::attr(g.node("Unsqueeze", {"batch"}, {"batch1"}), "axes", std::vector<std::int64_t>{0});
  g.ints("minus_one", {-1});
  OnnxGraph::attr(g.node("Concat", {"batch1", "minus_one"}, {"flat_shape"}), "axis", 0);
  g.node("Reshape", {"sum", "flat_shape"}, {"flat"}, "flatten");
  g.floats("fc_w", {1024, 10});
  g.node("MatMul", {"flat", "fc_w"}, {"fc"}, "fc");
  g.floats("fc_b", {10});
  g.node("Add", {"fc", "fc_b"}, {"logits"}, "fc_bias");
  OnnxGraph::attr(g.node("Softmax", {"logits"}, {"prob"}, "prob"), "axis", 1);
  g.output("prob");
  return g;
}

TEST(OnnxImport, ClassicCnnConstructsMapToLayers) {
  const std::string path = classic_graph().save("classic.onnx");
  const Model model = import_onnx_file(path, {2, 2});
  std::vector<std::string> ops;
  for (const ModelLayer& layer : model.layers) ops.emplace_back(to_string(layer.op));
  EXPECT_EQ(ops,
            (std::vector<std::string>{"conv", "scale", "bias", "relu6", "reshape", "transpose", "reshape",
                                      "add", "reshape", "fully_connected", "bias", "softmax"}));
  auto shape = [&](const char* tensor) { return model.tensors[*model.find_tensor(tensor)].shape; };
  EXPECT_EQ(shape("x"), (Shape{2, 3, 8, 8}));  // the symbolic batch takes --batch
  EXPECT_EQ(shape("g5"), (Shape{2, 4, 4, 64}));
  EXPECT_EQ(shape("t5"), (Shape{2, 4, 4, 64}));
  EXPECT_EQ(shape("flat"), (Shape{2, 1024, 1, 1}));
  EXPECT_EQ(shape("prob"), (Shape{2, 10, 1, 1}));
  EXPECT_EQ(model.layers[7].inputs.size(), 3u);
  EXPECT_EQ(model.totals.macs, 2ull * (16 * 64 * 27 + 1024 * 10));
  // Constants and everything computed only from them are weights; the shape arithmetic is gone.
  for (const char* weight : {"w", "s3", "b3", "fc_w", "fc_b"}) {
    ASSERT_TRUE(model.find_tensor(weight).has_value()) << weight;
    EXPECT_EQ(model.tensors[*model.find_tensor(weight)].kind, TensorKind::weight) << weight;
  }
  for (const char* folded : {"s", "shape", "batch", "flat_shape", "zero", "six", "groups"})
    EXPECT_FALSE(model.find_tensor(folded).has_value()) << folded;
  EXPECT_EQ(model.tensors[*model.find_tensor("s3")].shape, (Shape{16, 1, 1, 1}));
  EXPECT_EQ(model.totals.of(TensorKind::activation).count, 11u);
  EXPECT_EQ(model.totals.of(TensorKind::output).count, 1u);
  EXPECT_EQ(model.tensors[model.layers.back().output].kind, TensorKind::output);
}

TEST(OnnxImportErrors, TruncatedFile) {
  const std::string bytes = classic_graph().bytes();
  const std::string path = OnnxGraph::write("truncated.onnx", bytes.substr(0, bytes.size() / 2));
  const std::string message = onnx_error(path);
  EXPECT_NE(message.find(path + ": not an ONNX model: the protobuf does not parse"), std::string::npos)
      << message;
}

TEST(OnnxImportErrors, NotProtobuf) {
  const std::string path =
      OnnxGraph::write("text.onnx", "name: resnet\nlayers:\n  - {name: conv1, op: conv}\n");
  EXPECT_NE(onnx_error(path).find(path + ": not an ONNX model"), std::string::npos) << onnx_error(path);
  const std::string empty = OnnxGraph::write("empty.onnx", "");
  EXPECT_NE(onnx_error(empty).find(empty + ": not an ONNX model: it has no graph"), std::string::npos)
      << onnx_error(empty);
  EXPECT_NE(onnx_error("/nonexistent/model.onnx").find("/nonexistent/model.onnx"), std::string::npos);
}

// Pruned weights are measured from the file's zeros: the nonzero share, and the busiest of each
// 16 consecutive output channels over the synapses per output.
TEST(OnnxImport, WeightDensityIsMeasuredFromTheZeros) {
  OnnxGraph g(13);
  g.input("x", {1, 1, 4, 4});
  // Two output channels of 1 x 2 x 2 synapses: one nonzero, then three.
  g.floats("w", {2, 1, 2, 2}, std::vector<float>{0, 0, 0.5f, 0, 1, 2, 0, 3});
  g.node("Conv", {"x", "w"}, {"y"}, "conv");
  g.floats("fc_w", {18, 3}, std::vector<float>(54, 1.0f));  // dense: [K = 18, N = 3]
  g.node("Flatten", {"y"}, {"f"});
  g.node("MatMul", {"f", "fc_w"}, {"z"}, "fc");
  g.output("z");
  const Model m = import_onnx_file(g.save("pruned.onnx"), {1, 2, 0, 0.3});
  const ModelLayer& conv = m.layers[*m.find_layer("conv")];
  EXPECT_DOUBLE_EQ(conv.weight_density, 0.5);
  EXPECT_DOUBLE_EQ(conv.busiest_density, 0.75);
  // The file says dense: the --weight-density default does not apply to a measured layer.
  EXPECT_DOUBLE_EQ(m.layers[*m.find_layer("fc")].weight_density, 1.0);
}

TEST(OnnxImportErrors, UnsupportedOperatorNamesTheNodeItsOpAndTheFile) {
  OnnxGraph g(11);
  g.input("x", {1, 3, 8, 8});
  g.node("Relu", {"x"}, {"r"}, "relu1");
  g.node("Cos", {"r"}, {"e"}, "cos1");
  g.output("e");
  const std::string path = g.save("cos.onnx");
  EXPECT_NE(onnx_error(path).find(path + ": node 'cos1' (Cos): unsupported operator"), std::string::npos)
      << onnx_error(path);
}

// Operators are looked up in a sorted table: names before, between and after its rows, a prefix of
// a row and another case must all be refused alike.
TEST(OnnxImportErrors, UnsupportedOperatorsAroundTheTableRows) {
  for (const std::string op : {"Abs", "Cos", "Su", "Tan", "Zeta", "relu"}) {
    OnnxGraph g(13);
    g.input("x", {1, 3, 8, 8});
    g.node(op, {"x"}, {"y"});
    g.output("y");
    const std::string path = g.save(op + ".onnx");
    EXPECT_NE(onnx_error(path).find(path + ": node '#0' (" + op + "): unsupported operator"), std::string::npos)
        << onnx_error(path);
  }
}

TEST(OnnxImportErrors, UnsupportedUsesOfSupportedOperators) {
  OnnxGraph g(11);
  g.input("x", {1, 4, 8, 8});
  g.input("y", {1, 4, 8, 8});
  OnnxGraph::attr(g.node("Transpose", {"x"}, {"t"}, "to_cnhw"), "perm", {1, 0, 2, 3});
  g.output("t");
  const std::string batch_moves = g.save("transpose.onnx");
  EXPECT_NE(onnx_error(batch_moves)
                .find("node 'to_cnhw' (Transpose): perm [1, 0, 2, 3] must keep the batch axis first"),
            std::string::npos)
      << onnx_error(batch_moves);

  OnnxGraph h(11);
  h.input("x", {1, 4, 8});
  h.input("y", {1, 8, 5});
  h.node("MatMul", {"x", "y"}, {"z"}, "attention");
  h.output("z");
  const std::string two_activations = h.save("matmul.onnx");
  EXPECT_NE(onnx_error(two_activations)
                .find("node 'attention' (MatMul): a product of two activations needs rank 4 ([batch, heads, rows, "
                      "columns]), 'x' has rank 3"),
            std::string::npos)
      << onnx_error(two_activations);
}

TEST(OnnxImportErrors, SymbolicSampleDimensions) {
  OnnxGraph g(11);
  g.input("x", {1, 3, -1, -1});
  g.node("Relu", {"x"}, {"r"});
  g.output("r");
  const std::string path = g.save("symbolic.onnx");
  EXPECT_NE(onnx_error(path).find("graph input 'x' has a symbolic or empty dimension 2"), std::string::npos)
      << onnx_error(path);
}

TEST(OnnxImportErrors, ShapesThatDoNotFit) {
  OnnxGraph g(11);
  g.input("x", {1, 3, 8, 8});
  g.floats("w", {8, 4, 3, 3});  // expects 4 input channels, gets 3
  OnnxGraph::attr(g.node("Conv", {"x", "w"}, {"c"}, "conv1"), "kernel_shape", {3, 3});
  g.output("c");
  const std::string path = g.save("channels.onnx");
  const std::string message = onnx_error(path);
  EXPECT_NE(
      message.find(path +
                   ": layer 'conv1' (conv): weight 'w' has 288 elements, but the layer needs 216 (8x3x3x3)"),
      std::string::npos)
      << message;
}

TEST(OnnxImportErrors, ZeroStridesAndKernelsNameTheNodeInsteadOfCrashingShapeInference) {
  // libonnx's shape inference divides by the stride: it must never see a zero.
  for (const char* attribute : {"strides", "dilations", "kernel_shape"}) {
    OnnxGraph g(11);
    g.input("x", {1, 3, 8, 8});
    g.floats("w", {8, 3, 3, 3});
    auto& conv = g.node("Conv", {"x", "w"}, {"c"}, "conv1");
    OnnxGraph::attr(conv, attribute, {0, 1});
    g.output("c");
    const std::string message = onnx_error(g.save(std::string("zero_") + attribute + ".onnx"));
    EXPECT_NE(message.find(fmt::format("node 'conv1' (Conv): attribute '{}' must be positive, got 0", attribute)),
              std::string::npos)
        << message;
  }
}

TEST(OnnxImportErrors, NodesOutOfOrder) {
  OnnxGraph g(11);
  g.input("x", {1, 3, 8, 8});
  g.node("Relu", {"a"}, {"b"}, "second");
  g.node("Relu", {"x"}, {"a"}, "first");
  g.output("b");
  const std::string path = g.save("order.onnx");
  const std::string message = onnx_error(path);
  EXPECT_NE(message.find(path + ": node 'second' (Relu): reads 'a', which no earlier node produces"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace tetris::workloads
