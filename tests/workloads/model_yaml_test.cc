// The YAML model format: the documented example, defaults, and one test per kind of error, each
// checking that the message names the file, the line and the layer or field.
#include "workloads/model_yaml.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "common/file_io.h"
#include "common/input_error.h"
#include "workloads/model_loader.h"

namespace tetris::workloads {
namespace {

// The first ```yaml block of docs/model-format.md.
std::string documented_example() {
  const std::string doc = read_text_file(std::string(TETRIS_SOURCE_DIR) + "/docs/model-format.md");
  const auto start = doc.find("```yaml\n");
  if (start == std::string::npos) return "";
  const auto body = start + 8;
  return doc.substr(body, doc.find("```", body) - body);
}

const ModelLayer& layer(const Model& model, std::string_view name) {
  const auto id = model.find_layer(name);
  if (!id) throw std::runtime_error("no layer " + std::string(name));
  return model.layers[*id];
}

const Shape& output_shape(const Model& model, std::string_view name) {
  return model.tensors[layer(model, name).output].shape;
}

TEST(ModelYaml, TheDocumentedExampleParses) {
  const std::string text = documented_example();
  ASSERT_FALSE(text.empty()) << "docs/model-format.md lost its ```yaml example";
  const Model model = parse_model_yaml(text, "model-format.md", {1, 2});
  EXPECT_EQ(model.name, "tiny");
  EXPECT_EQ(model.source, "model-format.md");
  ASSERT_EQ(model.layers.size(), 8u);
  EXPECT_EQ(output_shape(model, "merged"), (Shape{1, 16, 32, 32}));
  EXPECT_EQ(output_shape(model, "pool"), (Shape{1, 16, 16, 16}));
  EXPECT_EQ(output_shape(model, "prob"), (Shape{1, 10, 1, 1}));
  EXPECT_EQ(layer(model, "conv1").macs, 16ull * 32 * 32 * 3 * 9);
  EXPECT_EQ(layer(model, "branch_a").macs, 8ull * 32 * 32 * 16);
  EXPECT_EQ(layer(model, "branch_b").macs, 8ull * 32 * 32 * 16 * 9);
  EXPECT_EQ(layer(model, "fc").macs, 10ull * 16 * 16 * 16);
  EXPECT_EQ(model.totals.macs, 442368u + 131072u + 1179648u + 40960u);
  // Inputs: the previous layer by default, or the names given.
  EXPECT_EQ(model.tensors[layer(model, "branch_a").inputs[0]].name, "relu1");
  EXPECT_EQ(model.tensors[layer(model, "branch_b").inputs[0]].name, "relu1");
  EXPECT_EQ(layer(model, "merged").inputs.size(), 2u);
  // Weights are implied by the ops and named after the layer.
  const auto weight = model.find_tensor("conv1.weight");
  ASSERT_TRUE(weight.has_value());
  EXPECT_EQ(model.tensors[*weight].shape, (Shape{16, 3, 3, 3}));
  EXPECT_EQ(model.tensors[*weight].kind, TensorKind::weight);
  EXPECT_EQ(model.tensors[*weight].bytes, 16u * 27 * 2);
  EXPECT_TRUE(model.find_tensor("fc.bias").has_value());
  EXPECT_EQ(model.tensors_of_kind(TensorKind::input).size(), 1u);
  ASSERT_EQ(model.tensors_of_kind(TensorKind::output).size(), 1u);
  EXPECT_EQ(model.tensors[model.tensors_of_kind(TensorKind::output)[0]].name, "prob");
  EXPECT_EQ(model.totals.of(TensorKind::activation).count, 7u);
}

TEST(ModelYaml, BatchAndElementWidthComeFromTheOptions) {
  const Model one = parse_model_yaml(documented_example(), "tiny.yaml", {1, 2});
  const Model four = parse_model_yaml(documented_example(), "tiny.yaml", {4, 4});
  EXPECT_EQ(four.totals.macs, 4 * one.totals.macs);
  EXPECT_EQ(four.tensors[0].shape, (Shape{4, 3, 32, 32}));
  EXPECT_EQ(four.tensors[0].bytes, 4u * 3 * 32 * 32 * 4);
  // Weights do not grow with the batch, only with the element width.
  EXPECT_EQ(four.totals.of(TensorKind::weight).bytes, 2 * one.totals.of(TensorKind::weight).bytes);
  EXPECT_EQ(four.totals.of(TensorKind::activation).bytes, 8 * one.totals.of(TensorKind::activation).bytes);
}

TEST(ModelYaml, UnreadLayerOutputsAreTheModelsOutputs) {
  const Model model = parse_model_yaml(R"(
input: {shape: [8, 4, 4]}
layers:
  - {name: trunk, op: relu}
  - {name: head_a, op: global_avg_pool}
  - {name: head_b, op: max_pool, input: trunk, kernel: 2, stride: 2, ceil_mode: true}
)",
                                       "two-heads.yaml", {});
  EXPECT_EQ(model.name, "two-heads");
  EXPECT_EQ(model.tensors[0].name, "data");
  EXPECT_EQ(model.tensors_of_kind(TensorKind::output).size(), 2u);
  EXPECT_EQ(model.totals.of(TensorKind::activation).count, 1u);
}

// Parses `text` expecting an InputError; returns its message.
std::string yaml_error(const std::string& text, ModelOptions options = {}) {
  try {
    parse_model_yaml(text, "bad.yaml", options);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

constexpr const char* kHeader = "name: bad\ninput: {shape: [3, 16, 16]}\nlayers:\n";

// `layers` starts at line 4 of the file.
std::string with_layers(const std::string& layers) { return kHeader + layers; }

#define EXPECT_ERROR(text, ...)                                                                        \
  do {                                                                                                 \
    const std::string message = yaml_error(text);                                                        \
    for (const char* part : {__VA_ARGS__})                                                             \
      EXPECT_NE(message.find(part), std::string::npos) << "expected '" << part << "' in: " << message; \
  } while (false)

// Pruning: a layer's own density, a base model with densities by layer name, the options'
// default for the rest; the busiest of 16 lanes estimated from the synapses per output.
TEST(ModelYaml, DensitiesComeFromTheLayerTheBaseMapOrTheDefault) {
  const char* text = R"(name: pruned
input: {shape: [4, 8, 8]}
layers:
  - {name: conv, op: conv, out: 8, kernel: 3, pad: 1, density: 0.5}
  - {name: fc, op: fully_connected, out: 10}
)";
  const Model m = parse_model_yaml(text, "pruned.yaml", {1, 2, 0, 0.25});
  EXPECT_DOUBLE_EQ(m.layers[0].weight_density, 0.5);
  // 4 x 3 x 3 = 36 synapses per output: 0.5 + 1.766 sqrt(0.25 / 36)
  EXPECT_DOUBLE_EQ(m.layers[0].busiest_density, 0.5 + 1.766 * std::sqrt(0.25 / 36));
  EXPECT_DOUBLE_EQ(m.layers[1].weight_density, 0.25);  // the default of the options
  EXPECT_EQ(m.totals.macs, parse_model_yaml(text, "pruned.yaml", {1, 2}).totals.macs);  // MACs stay dense

  const Model base = load_model("alexnet-pruned", {1, 2});
  const Model dense = load_model("alexnet", {1, 2});
  ASSERT_EQ(base.layers.size(), dense.layers.size());
  EXPECT_DOUBLE_EQ(base.layers[*base.find_layer("fc6")].weight_density, 0.09);
  EXPECT_DOUBLE_EQ(base.layers[*base.find_layer("conv1")].weight_density, 0.84);
  EXPECT_DOUBLE_EQ(base.layers[*base.find_layer("relu1")].weight_density, 1.0);
  EXPECT_EQ(base.totals.macs, dense.totals.macs);
  EXPECT_EQ(base.name, "alexnet-pruned");
}

TEST(ModelYamlErrors, DensitiesOutOfRangeOrMisplaced) {
  const auto error = [](const std::string& text) {
    try {
      parse_model_yaml(text, "d.yaml", {1, 2});
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  const std::string input = "input: {shape: [4, 8, 8]}\nlayers:\n";
  EXPECT_NE(error(input + "  - {name: c, op: conv, out: 4, kernel: 1, density: 1.5}\n").find("'density' must be in (0, 1]"),
            std::string::npos);
  EXPECT_NE(error(input + "  - {name: r, op: relu, density: 0.5}\n").find("unknown key 'density'"), std::string::npos);
  EXPECT_NE(error("base: alexnet\ndensity: {conv9: 0.5}\n").find("the base model has no layer 'conv9'"),
            std::string::npos);
  EXPECT_NE(error("base: alexnet\ndensity: {relu1: 0.5}\n").find("'density' applies to conv, fully_connected"),
            std::string::npos);
  EXPECT_NE(error("base: nonet\ndensity: {conv1: 0.5}\n").find("'base' must name a built-in model"),
            std::string::npos);
  EXPECT_NE(error("base: vgg16-pruned\ndensity: {conv1_1: 0.5}\n").find("name the dense model"), std::string::npos);
  EXPECT_NE(error(input + "  - {name: c, op: conv, out: 4, kernel: 1}\ndensity: {c: 0.5}\n").find("needs 'base'"),
            std::string::npos);
}

TEST(ModelYamlErrors, MalformedYaml) {
  EXPECT_ERROR(with_layers("  - {name: c1, op: conv\n"), "bad.yaml:", "malformed YAML");
  EXPECT_ERROR("", "bad.yaml", "a model must be a mapping");
}

TEST(ModelYamlErrors, UnknownTopLevelOrInputKey) {
  EXPECT_ERROR(std::string(kHeader) + "  - {name: r, op: relu}\noutputs: [r]\n",
               "bad.yaml:5:1:", "unknown key 'outputs' in the model");
  EXPECT_ERROR("input: {shape: [3, 8, 8], layout: nchw}\nlayers:\n  - {name: r, op: relu}\n",
               "bad.yaml:1:", "unknown key 'layout' in 'input'");
  EXPECT_ERROR("layers:\n  - {name: r, op: relu}\n", "'input' is required");
  EXPECT_ERROR("input: {shape: [3, 8, 8]}\nlayers: []\n", "bad.yaml:2:", "'layers' must be a non-empty list");
}

TEST(ModelYamlErrors, UnknownOp) {
  EXPECT_ERROR(with_layers("  - {name: c1, op: relu}\n  - {name: c2, op: convolution, out: 8}\n"),
               "bad.yaml:5:", "layer 'c2': unknown op 'convolution'", "known: conv,");
  EXPECT_ERROR(with_layers("  - {name: c1}\n"), "bad.yaml:4:", "layer 'c1': 'op' is required");
}

TEST(ModelYamlErrors, UnknownOrDuplicateField) {
  EXPECT_ERROR(with_layers("  - {name: r1, op: relu, stride: 2}\n"),
               "bad.yaml:4:", "layer 'r1': unknown key 'stride' in a relu layer");
  EXPECT_ERROR(with_layers("  - {name: c1, op: conv, out: 8, kernel: 3, kernel: 5}\n"),
               "bad.yaml:4:", "layer 'c1': duplicate key 'kernel'");
}

TEST(ModelYamlErrors, UnknownInputName) {
  EXPECT_ERROR(with_layers("  - {name: c1, op: relu}\n  - {name: sum, op: add, inputs: [c1, c0]}\n"),
               "bad.yaml:5:", "layer 'sum': unknown input 'c0'");
  EXPECT_ERROR(
      with_layers("  - {name: c1, op: conv, out: 4, kernel: 1}\n  - {name: r, op: relu, input: c1.weight}\n"),
      "bad.yaml:5:", "layer 'r': input 'c1.weight' is a weight");
}

TEST(ModelYamlErrors, DuplicateOrMalformedName) {
  EXPECT_ERROR(with_layers("  - {name: c1, op: relu}\n  - {name: c2, op: relu}\n  - {name: c1, op: relu}\n"),
               "bad.yaml:6:", "duplicate layer name 'c1' (first used at line 4)");
  EXPECT_ERROR(with_layers("  - {name: data, op: relu}\n"),
               "bad.yaml:4:", "a tensor named 'data' already exists");
  EXPECT_ERROR(with_layers("  - {name: conv 1, op: relu}\n"), "bad.yaml:4:", "must be one word");
  EXPECT_ERROR(with_layers("  - {op: relu}\n"), "bad.yaml:4:", "the layer has no 'name'");
}

TEST(ModelYamlErrors, BadParameter) {
  EXPECT_ERROR(with_layers("  - {name: c1, op: conv, out: 8, kernel: three}\n"),
               "bad.yaml:4:", "layer 'c1': 'kernel' must be an integer of at least 1, got 'three'");
  EXPECT_ERROR(with_layers("  - {name: c1, op: conv, out: 8, kernel: 3, stride: 0}\n"),
               "bad.yaml:4:", "'stride' must be an integer of at least 1, got '0'");
  EXPECT_ERROR(with_layers("  - {name: c1, op: conv, out: 8, kernel: 3, pad: [1, 2, 3]}\n"),
               "bad.yaml:4:", "'pad' must be an integer, [H, W] or [top, left, bottom, right]");
  EXPECT_ERROR(with_layers("  - {name: c1, op: conv, kernel: 3}\n"),
               "bad.yaml:4:", "layer 'c1': 'out' is required");
  EXPECT_ERROR(with_layers("  - {name: c1, op: conv, out: 8, kernel: 3, bias: maybe}\n"),
               "'bias' must be true or false, got 'maybe'");
  EXPECT_ERROR(with_layers("  - {name: s, op: softmax, axis: 4}\n"), "bad.yaml:4:", "'axis' must be 0 to 3");
  EXPECT_ERROR(with_layers("  - {name: d, op: dropout, ratio: 1.5}\n"), "'ratio' must be below 1");
  EXPECT_ERROR(with_layers("  - {name: n, op: lrn, size: 5, alpha: -1}\n"),
               "'alpha' must be a non-negative number");
  EXPECT_ERROR("input: {shape: [3, 0, 8]}\nlayers:\n  - {name: r, op: relu}\n",
               "bad.yaml:1:", "'shape' must be an integer of at least 1, got '0'");
}

TEST(ModelYamlErrors, ForwardReferenceOrCycle) {
  // a reads b and b reads a: whichever comes first refers forward.
  EXPECT_ERROR(with_layers("  - {name: a, op: relu, input: b}\n  - {name: b, op: relu, input: a}\n"),
               "bad.yaml:4:", "layer 'a': input 'b' refers forward to the layer at line 5",
               "topological order");
  EXPECT_ERROR(with_layers("  - {name: a, op: add, inputs: [data, a]}\n"),
               "bad.yaml:4:", "input 'a' refers forward");
}

TEST(ModelYamlErrors, ShapesThatDoNotFit) {
  EXPECT_ERROR(with_layers("  - {name: big, op: conv, out: 4, kernel: 3, pad: 1}\n"
                           "  - {name: small, op: max_pool, kernel: 2, stride: 2}\n"
                           "  - {name: merged, op: concat, inputs: [big, small]}\n"),
               "bad.yaml:6:", "layer 'merged' (concat): input 2 is 1x4x8x8 but input 1 is 1x4x16x16",
               "needs equal H");
  EXPECT_ERROR(with_layers("  - {name: g, op: conv, out: 8, kernel: 1, groups: 2}\n"),
               "bad.yaml:4:", "layer 'g' (conv): the input's 3 channels do not divide into 2 groups");
  EXPECT_ERROR(with_layers("  - {name: p, op: max_pool, kernel: 17}\n"), "bad.yaml:4:",
               "layer 'p' (max_pool): the window spans 17 along H but the padded input has only 16");
  EXPECT_ERROR(with_layers("  - {name: r, op: reshape, shape: [5, -1]}\n"),
               "bad.yaml:4:", "cannot reshape 768");
}

TEST(ModelYamlErrors, SizesThatOverflowAreRefused) {
  EXPECT_ERROR("input: {shape: [4294967296, 4294967296, 2]}\nlayers:\n  - {name: r, op: relu}\n",
               "bad.yaml:1:", "input 'data' has more than 2^64 elements");
  // 2^20 x 2^20 x 2^10 elements of 2 bytes is 2^51 bytes, above the trace format's 2^48.
  EXPECT_ERROR("input: {shape: [1048576, 1048576, 1024]}\nlayers:\n  - {name: r, op: relu}\n",
               "bad.yaml:1:", "tensor 'data'", "larger than the 281474976710656-byte limit");
  EXPECT_ERROR(with_layers("  - {name: fc, op: fully_connected, out: 4294967296}\n"
                           "  - {name: fc2, op: fully_connected, out: 4294967296}\n"),
               "bad.yaml:", "overflows 64 bits");
}

TEST(ModelYamlErrors, OptionsOutOfRange) {
  const std::string ok = with_layers("  - {name: r, op: relu}\n");
  EXPECT_NE(yaml_error(ok, {0, 2}).find("--batch: the batch must be between 1"), std::string::npos);
  EXPECT_NE(yaml_error(ok, {1, 3}).find("--element-bytes: bytes per element must be 1, 2, 4 or 8"),
            std::string::npos);
}

}  // namespace
}  // namespace tetris::workloads
