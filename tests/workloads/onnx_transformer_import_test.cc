// ONNX import of transformer graphs: the two exporter-style graphs of ../shared/models/transformers
// against the activation totals and max-live bytes of their README, then one tiny graph per
// operator family (matmuls, layer norm in both forms, softmax, both GELU forms, Where, Split and
// Slice, Gather) and the ways each can be refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>

#include "common/input_error.h"
#include "tests/workloads/onnx_graph.h"
#include "workloads/onnx_import.h"

namespace tetris::workloads {
namespace {

using onnx_test::OnnxGraph;

const std::string kTransformerDir = std::string(TETRIS_SHARED_DIR) + "/models/transformers/";

std::string transformer_error(const std::string& path) {
  try {
    import_onnx_file(path, {1, 4});
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

std::vector<Op> ops_of(const Model& m) {
  std::vector<Op> ops;
  for (const ModelLayer& l : m.layers) ops.push_back(l.op);
  return ops;
}

const ModelLayer& layer_writing(const Model& m, std::string_view tensor) {
  const auto t = m.find_tensor(tensor);
  EXPECT_TRUE(t) << tensor;
  for (const ModelLayer& l : m.layers)
    if (l.output == *t) return l;
  throw std::logic_error("no layer writes " + std::string(tensor));
}

// The README's measure: every tensor that is not a weight, live from the step of the layer producing
// it (graph inputs: step 0) to the step of its last reader, graph outputs to the last step. Integer
// graph inputs (token ids) count at their ONNX width, 8 bytes, where tetris stores every element
// at --element-bytes.
struct ReadmeFigures {
  std::uint64_t total = 0, max_live = 0;
};

ReadmeFigures readme_figures(const Model& model) {
  const std::size_t steps = model.layers.size();
  std::vector<std::size_t> last(model.tensors.size(), 0);
  for (std::size_t step = 0; step < steps; ++step)
    for (const TensorId in : model.layers[step].inputs) last[in] = step;
  ReadmeFigures f;
  std::vector<std::uint64_t> live(steps, 0);
  for (std::size_t t = 0; t < model.tensors.size(); ++t) {
    const ModelTensor& tensor = model.tensors[t];
    if (tensor.kind == TensorKind::weight) continue;
    const std::uint64_t bytes = tensor.kind == TensorKind::input ? tensor.elements * 8 : tensor.bytes;
    f.total += bytes;
    const std::size_t first = tensor.producer.value_or(0);
    const std::size_t end = tensor.kind == TensorKind::output ? steps - 1 : std::max(first, last[t]);
    for (std::size_t step = first; step <= end; ++step) live[step] += bytes;
  }
  f.max_live = *std::max_element(live.begin(), live.end());
  return f;
}

// The README's figures for a tool that folds the Gathers of constants into weights (as tetris
// does): totals lower by exactly those constants, the same max live.
TEST(TransformerImport, SharedGraphsMatchTheReadmesActivationFigures) {
  if (!std::filesystem::is_directory(kTransformerDir)) GTEST_SKIP() << kTransformerDir << " is absent";
  struct Case {
    const char* file;
    std::uint64_t total, max_live, macs;
  };
  // MACs from the architectures the README gives: per layer Q, K, V and output projections (or a
  // fused QKV), scores and context (heads x S x S x D each) and the two FFN matmuls; then BERT's
  // pooler (E x E) or GPT-2's tied LM head (S x E x vocabulary).
  constexpr std::uint64_t kBertS = 128, kBertE = 128, kBertF = 512;
  constexpr std::uint64_t kGptS = 64, kGptE = 128, kGptF = 512, kGptV = 1024;
  const std::uint64_t bert_macs = 2 * (4 * kBertS * kBertE * kBertE + 2 * kBertS * kBertS * kBertE +
                                       2 * kBertS * kBertE * kBertF) +
                                  kBertE * kBertE;
  const std::uint64_t gpt_macs =
      2 * (4 * kGptS * kGptE * kGptE + 2 * kGptS * kGptS * kGptE + 2 * kGptS * kGptE * kGptF) +
      kGptS * kGptE * kGptV;
  for (const Case& c : {Case{"bert-tiny.onnx", 7997952, 851968, bert_macs},
                        Case{"gpt2-tiny.onnx", 5243392, 557056, gpt_macs}}) {
    SCOPED_TRACE(c.file);
    const Model model = import_onnx_file(kTransformerDir + c.file, {1, 4});
    const ReadmeFigures f = readme_figures(model);
    EXPECT_EQ(f.total, c.total);
    EXPECT_EQ(f.max_live, c.max_live);
    EXPECT_EQ(model.totals.macs, c.macs);
  }
}

TEST(TransformerImport, MatMulsOfWeightsAndOfActivations) {
  OnnxGraph g(17);
  g.input("x", {1, 6, 8});
  g.floats("w", {8, 12}), g.floats("b", {12});
  g.node("MatMul", {"x", "w"}, {"qkv"}, "proj");
  g.node("Add", {"qkv", "b"}, {"qkv_b"}, "proj_bias");
  g.ints("heads", {1, 6, 3, 4});
  g.node("Reshape", {"qkv_b", "heads"}, {"h"});
  OnnxGraph::attr(g.node("Transpose", {"h"}, {"q"}), "perm", {0, 2, 1, 3});  // [1, 3, 6, 4]
  OnnxGraph::attr(g.node("Transpose", {"h"}, {"k"}), "perm", {0, 2, 3, 1});  // [1, 3, 4, 6]
  g.node("MatMul", {"q", "k"}, {"scores"}, "qk");
  g.output("scores");
  const Model m = import_onnx_file(g.save("matmuls.onnx"), {1, 4});
  const ModelLayer& proj = layer_writing(m, "qkv");
  EXPECT_EQ(proj.op, Op::matmul);
  EXPECT_EQ(proj.macs, 6u * 8 * 12);
  EXPECT_EQ(m.tensors[proj.output].shape, (Shape{1, 12, 6, 1}));  // 6 tokens (rows) of 12 features
  EXPECT_EQ(layer_writing(m, "qkv_b").op, Op::bias);
  const ModelLayer& qk = layer_writing(m, "scores");
  EXPECT_EQ(qk.op, Op::matmul);
  EXPECT_EQ(qk.inputs.size(), 2u);
  EXPECT_TRUE(qk.weights.empty());
  EXPECT_EQ(qk.macs, 3u * 6 * 6 * 4);  // heads x rows x columns x depth
  EXPECT_EQ(m.tensors[qk.output].shape, (Shape{1, 3, 6, 6}));
}

TEST(TransformerImport, LayerNormInOneNodeAndDecomposed) {
  OnnxGraph g(17);
  g.input("x", {1, 5, 8});
  g.floats("gamma", {8}, 1), g.floats("beta", {8});
  g.node("LayerNormalization", {"x", "gamma", "beta"}, {"ln"}, "ln");
  // The decomposed form older exporters write.
  OnnxGraph::attr(g.node("ReduceMean", {"ln"}, {"mean"}), "axes", std::vector<std::int64_t>{-1});
  g.node("Sub", {"ln", "mean"}, {"centred"});
  g.floats("two", {}, 2);
  g.node("Pow", {"centred", "two"}, {"squared"});
  OnnxGraph::attr(g.node("ReduceMean", {"squared"}, {"variance"}), "axes", std::vector<std::int64_t>{-1});
  g.floats("eps", {}, 1e-5f);
  g.node("Add", {"variance", "eps"}, {"variance_eps"});
  g.node("Sqrt", {"variance_eps"}, {"deviation"});
  g.node("Div", {"centred", "deviation"}, {"normed"});
  g.node("Mul", {"normed", "gamma"}, {"scaled"});
  g.node("Add", {"scaled", "beta"}, {"y"});
  g.output("y");
  const Model m = import_onnx_file(g.save("layernorm.onnx"), {1, 4});
  EXPECT_EQ(ops_of(m), (std::vector<Op>{Op::layer_norm, Op::reduce_mean, Op::sub, Op::pow, Op::reduce_mean,
                                        Op::bias, Op::sqrt, Op::div, Op::scale, Op::bias}));
  EXPECT_EQ(std::get<AxisParams>(m.layers[0].params).axis, 1u);  // the features: C
  EXPECT_EQ(m.layers[0].weights.size(), 2u);
  EXPECT_EQ(m.layers[0].element_ops, 5u * 5 * 8);
  EXPECT_EQ(m.tensors[layer_writing(m, "mean").output].shape, (Shape{1, 1, 5, 1}));
  EXPECT_EQ(layer_writing(m, "mean").element_ops, 5u * 8);
  EXPECT_EQ(std::get<PowParams>(layer_writing(m, "squared").params).exponent, 2.0);
  EXPECT_EQ(m.tensors[layer_writing(m, "normed").output].shape, (Shape{1, 8, 5, 1}));  // broadcast
}

TEST(TransformerImport, SoftmaxOverTheLastAxisOfAnyRank) {
  OnnxGraph g(17);
  g.input("scores", {1, 2, 4, 4});
  g.input("logits", {1, 4, 10});
  g.node("Softmax", {"scores"}, {"p"});  // opset 13+: axis -1 by default
  OnnxGraph::attr(g.node("Softmax", {"logits"}, {"q"}), "axis", -1);
  g.output("p"), g.output("q");
  const Model m = import_onnx_file(g.save("softmax.onnx"), {1, 4});
  EXPECT_EQ(std::get<AxisParams>(layer_writing(m, "p").params).axis, 3u);  // W
  EXPECT_EQ(std::get<AxisParams>(layer_writing(m, "q").params).axis, 1u);  // C: the features
}

TEST(TransformerImport, GeluInBothForms) {
  OnnxGraph g(17);
  g.input("x", {1, 4, 16});
  g.floats("sqrt2", {}, 1.4142135f), g.floats("one", {}, 1), g.floats("half", {}, 0.5f);
  g.node("Div", {"x", "sqrt2"}, {"a"});
  g.node("Erf", {"a"}, {"b"});
  g.node("Add", {"b", "one"}, {"c"});
  g.node("Mul", {"x", "c"}, {"d"});
  g.node("Mul", {"d", "half"}, {"erf_gelu"});
  g.floats("three", {}, 3), g.floats("k", {}, 0.044715f), g.floats("s", {}, 0.7978845f);
  g.node("Mul", {"erf_gelu", "half"}, {"h"});
  g.node("Pow", {"erf_gelu", "three"}, {"cube"});
  g.node("Mul", {"cube", "k"}, {"kc"});
  g.node("Add", {"erf_gelu", "kc"}, {"inner"});
  g.node("Mul", {"inner", "s"}, {"scaled"});
  g.node("Tanh", {"scaled"}, {"t"});
  g.node("Add", {"t", "one"}, {"t1"});
  g.node("Mul", {"h", "t1"}, {"tanh_gelu"});
  g.output("tanh_gelu");
  const Model m = import_onnx_file(g.save("gelu.onnx"), {1, 4});
  EXPECT_EQ(ops_of(m), (std::vector<Op>{Op::scale, Op::erf, Op::bias, Op::mul, Op::scale, Op::scale, Op::pow,
                                        Op::scale, Op::add, Op::scale, Op::tanh, Op::bias, Op::mul}));
  EXPECT_EQ(std::get<PowParams>(layer_writing(m, "cube").params).exponent, 3.0);
}

TEST(TransformerImport, WhereSelectsByAConstantMask) {
  OnnxGraph g(17);
  g.input("scores", {1, 2, 4, 4});
  g.bools("causal", {1, 1, 4, 4});
  g.floats("minus", {}, -1e4f);
  g.node("Where", {"causal", "scores", "minus"}, {"masked"}, "mask");
  g.output("masked");
  const Model m = import_onnx_file(g.save("where.onnx"), {1, 4});
  const ModelLayer& where = layer_writing(m, "masked");
  EXPECT_EQ(where.op, Op::where);
  ASSERT_EQ(where.weights.size(), 2u);
  EXPECT_EQ(m.tensors[where.weights[0]].elements, 16u);
  EXPECT_EQ(where.element_ops, 32u);
}

// A causal mask may come as [L, L]: it is read over the scores' rows and columns for every head.
TEST(TransformerImport, AWhereMaskOfRankTwoIsSharedByTheHeads) {
  OnnxGraph g(17);
  g.input("scores", {1, 3, 4, 4});
  g.bools("causal", {4, 4});
  g.floats("minus", {}, -1e4f);
  g.node("Where", {"causal", "scores", "minus"}, {"masked"}, "mask");
  g.output("masked");
  const Model m = import_onnx_file(g.save("where2.onnx"), {1, 2});
  EXPECT_EQ(layer_writing(m, "masked").op, Op::where);
}

TEST(TransformerImport, SplitAndSliceBecomeSlices) {
  OnnxGraph g(17);
  g.input("x", {1, 4, 12});
  g.ints("sizes", {4, 4, 4});
  OnnxGraph::attr(g.node("Split", {"x", "sizes"}, {"q", "k", "v"}, "split"), "axis", 2);
  g.ints("starts", {1}), g.ints("ends", {1000}), g.ints("axes", {1});
  g.node("Slice", {"v", "starts", "ends", "axes"}, {"tail"}, "slice");
  g.output("q"), g.output("k"), g.output("tail");
  const Model m = import_onnx_file(g.save("split.onnx"), {1, 4});
  EXPECT_EQ(ops_of(m), (std::vector<Op>{Op::slice, Op::slice, Op::slice, Op::slice}));
  EXPECT_EQ(std::get<SliceParams>(layer_writing(m, "k").params), (SliceParams{1, 4, 8}));  // features: C
  EXPECT_EQ(m.tensors[layer_writing(m, "k").output].shape, (Shape{1, 4, 4, 1}));
  EXPECT_EQ(layer_writing(m, "k").name, "split_1");
  EXPECT_EQ(std::get<SliceParams>(layer_writing(m, "tail").params), (SliceParams{2, 1, 4}));  // tokens: H

  OnnxGraph even(11);  // before opset 13, sizes are an attribute; without them the split is even
  even.input("x", {1, 4, 12});
  OnnxGraph::attr(even.node("Split", {"x"}, {"a", "b"}), "axis", -1);
  even.output("a"), even.output("b");
  const Model e = import_onnx_file(even.save("split_even.onnx"), {1, 4});
  EXPECT_EQ(std::get<SliceParams>(layer_writing(e, "b").params), (SliceParams{1, 6, 12}));
}

TEST(TransformerImport, GatherIsAnEmbeddingLookupOrATokenSelection) {
  OnnxGraph g(17);
  g.input("ids", {1, 6}, onnx::TensorProto::INT64);
  g.floats("table", {50, 8});
  g.node("Gather", {"table", "ids"}, {"embedded"}, "embed");
  g.ints("first", {0}, true);
  OnnxGraph::attr(g.node("Gather", {"embedded", "first"}, {"cls"}, "select"), "axis", 1);
  g.output("cls");
  const Model m = import_onnx_file(g.save("gather.onnx"), {1, 4});
  const ModelLayer& embed = layer_writing(m, "embedded");
  EXPECT_EQ(embed.op, Op::embedding);
  EXPECT_EQ(std::get<EmbeddingParams>(embed.params), (EmbeddingParams{50, 8}));
  EXPECT_EQ(m.tensors[embed.output].shape, (Shape{1, 8, 6, 1}));
  ASSERT_EQ(embed.weights.size(), 1u);
  EXPECT_EQ(m.tensors[embed.weights[0]].kind, TensorKind::weight);
  const ModelLayer& select = layer_writing(m, "cls");
  EXPECT_EQ(select.op, Op::slice);
  EXPECT_EQ(std::get<SliceParams>(select.params), (SliceParams{2, 0, 1}));
  EXPECT_EQ(m.tensors[select.output].shape, (Shape{1, 8, 1, 1}));
}

TEST(TransformerImport, AVitFrontEndTakesItsClassTokenAsAConstantLayer) {
  OnnxGraph g(17);
  onnx_test::build_vit_front(g);
  const Model m = import_onnx_file(g.save("vit.onnx"), {3, 4});
  EXPECT_EQ(m.tensors[layer_writing(m, "flat").output].shape, (Shape{3, 4, 8, 1}));  // [N, 8, 4]: C = 4, H = 8
  EXPECT_EQ(m.tensors[layer_writing(m, "tokens").output].shape, (Shape{3, 8, 4, 1}));  // 4 tokens of 8 features
  const ModelLayer& concat = layer_writing(m, "sequence");
  ASSERT_EQ(concat.inputs.size(), 2u);
  const ModelTensor& cls = m.tensors[concat.inputs[0]];
  EXPECT_EQ(cls.kind, TensorKind::activation);
  const ModelLayer& constant = m.layers[*cls.producer];
  EXPECT_EQ(constant.op, Op::constant);
  EXPECT_TRUE(constant.inputs.empty());
  EXPECT_EQ(cls.shape, (Shape{3, 8, 1, 1}));  // one class token per sample of the batch of 3
  EXPECT_EQ(m.tensors[constant.weights[0]].elements, 8u);
  EXPECT_EQ(m.tensors[concat.output].shape, (Shape{3, 8, 5, 1}));
  EXPECT_EQ(m.tensors[layer_writing(m, "logits").output].shape, (Shape{3, 10, 1, 1}));
}

// Each construct outside what the lowering models is refused naming the node, its op and the file.
TEST(TransformerImportErrors, UnsupportedUsesNameTheNode) {
  struct Case {
    std::string name, expected;
    std::function<void(OnnxGraph&)> build;
  };
  const std::vector<Case> cases = {
      {"gather_holes", "node 'pick' (Gather): the indices [0, 2] must be one ascending run of axis 1",
       [](OnnxGraph& g) {
         g.input("x", {1, 4, 8});
         g.ints("idx", {0, 2});
         OnnxGraph::attr(g.node("Gather", {"x", "idx"}, {"y"}, "pick"), "axis", 1);
         g.output("y");
       }},
      {"where_runtime_mask", "node 'mask' (Where): only Where(constant condition, activation, constant)",
       [](OnnxGraph& g) {
         g.input("x", {1, 4, 8});
         g.input("c", {1, 4, 8}, onnx::TensorProto::BOOL);
         g.floats("minus", {}, -1e4f);
         g.node("Where", {"c", "x", "minus"}, {"y"}, "mask");
         g.output("y");
       }},
      {"slice_step", "node 'every_other' (Slice): only step 1 is supported",
       [](OnnxGraph& g) {
         g.input("x", {1, 4, 8});
         g.ints("s", {0}), g.ints("e", {8}), g.ints("a", {2}), g.ints("st", {2});
         g.node("Slice", {"x", "s", "e", "a", "st"}, {"y"}, "every_other");
         g.output("y");
       }},
      {"layernorm_axis", "node 'ln' (LayerNormalization): only the last axis (2) is supported, got 1",
       [](OnnxGraph& g) {
         g.input("x", {1, 4, 8});
         g.floats("gamma", {4, 8}, 1);
         OnnxGraph::attr(g.node("LayerNormalization", {"x", "gamma"}, {"y"}, "ln"), "axis", 1);
         g.output("y");
       }},
      {"pow_runtime_exponent", "node 'p' (Pow): the exponent must be a scalar constant",
       [](OnnxGraph& g) {
         g.input("x", {1, 4, 8});
         g.floats("e", {8}, 2);
         g.node("Pow", {"x", "e"}, {"y"}, "p");
         g.output("y");
       }},
      {"reduce_keepdims", "node 'm' (ReduceMean): only keepdims = 1 is supported",
       [](OnnxGraph& g) {
         g.input("x", {1, 4, 8});
         auto& n = g.node("ReduceMean", {"x"}, {"y"}, "m");
         OnnxGraph::attr(n, "axes", std::vector<std::int64_t>{-1});
         OnnxGraph::attr(n, "keepdims", 0);
         g.output("y");
       }},
      {"where_mask_shape", "node 'mask' (Where): the condition 1x2x4x4 must be a mask over the last two axes",
       [](OnnxGraph& g) {
         g.input("scores", {1, 2, 4, 4});
         g.bools("causal", {1, 2, 4, 4});  // a mask per head: valid ONNX, not the shared mask the lowering reads
         g.floats("minus", {}, -1e4f);
         g.node("Where", {"causal", "scores", "minus"}, {"y"}, "mask");
         g.output("y");
       }},
      {"embedding_rank", "node 'embed' (Gather): an embedding lookup gathers rows (axis 0) of a rank-2 table",
       [](OnnxGraph& g) {
         g.input("ids", {1, 6}, onnx::TensorProto::INT64);
         g.floats("table", {50, 8});
         OnnxGraph::attr(g.node("Gather", {"table", "ids"}, {"y"}, "embed"), "axis", 1);
         g.output("y");
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    OnnxGraph g(17);
    c.build(g);
    const std::string path = g.save(c.name + ".onnx");
    const std::string message = transformer_error(path);
    EXPECT_NE(message.find(path + ": " + c.expected), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace tetris::workloads
