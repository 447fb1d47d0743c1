// The model zoo: each built-in model's total MACs and parameter count against the published
// figures, its 1000-class output, and the invariants every Model promises.
#include "workloads/builtin_models.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "common/file_io.h"
#include "common/input_error.h"
#include "workloads/model_loader.h"
#include "workloads/model_yaml.h"

namespace tetris::workloads {
namespace {

struct Published {
  const char* name;
  double macs;            // multiply-accumulates at the model's input size, batch 1
  double macs_tolerance;  // relative
  double parameters;      // weights and biases; our count also holds batch-norm statistics
  const char* source;
};

// Published figures. "FLOPs" in these sources count multiply-adds, i.e. MACs.
const Published kZoo[] = {
    {"alexnet", 724e6, 0.03, 61e6,
     "Sze et al., Efficient Processing of Deep Neural Networks, Proc. IEEE 2017: 724 M MACs, 61 M weights"},
    {"vgg16", 15.5e9, 0.03, 138e6,
     "Sze et al., Proc. IEEE 2017: 15.5 G MACs; Simonyan & Zisserman, ICLR 2015, Table 2: 138 M parameters"},
    {"resnet18", 1.8e9, 0.03, 11.69e6,
     "He et al., CVPR 2016, Table 1: 1.8e9 FLOPs; torchvision resnet18: 11,689,512 parameters"},
    {"resnet50", 4.09e9, 0.03, 25.56e6,
     "torchvision ResNet50_Weights.IMAGENET1K_V1 (ResNet v1.5): 4.09 GFLOPS, 25,557,032 parameters"},
    {"googlenet", 1.586e9, 0.03, 6.8e6,
     "Szegedy et al., CVPR 2015, Table 1: ops column sums to 1.586 G (text: a budget of 1.5 billion "
     "multiply-adds), params column to 6.8 M"},
    {"mobilenet-v1", 569e6, 0.03, 4.2e6,
     "Howard et al., MobileNets, 2017, Table 8: 1.0 MobileNet-224, 569 M mult-adds, 4.2 M parameters"},
    {"mobilenet-v2", 300e6, 0.03, 3.4e6,
     "Sandler et al., MobileNetV2, CVPR 2018, Table 4: 300 M MAdds, 3.4 M parameters"},
    {"squeezenet-v1.1", 0.349e9, 0.03, 1.235e6,
     "torchvision SqueezeNet1_1_Weights.IMAGENET1K_V1: 0.349 GFLOPS, 1,235,496 parameters"},
};

// The transformers: BERT-base at its default 128 tokens against TinyBERT's count (2 FLOPs per
// multiply-add), GPT-2 small against the parameters of the released checkpoint.
const Published kTransformers[] = {
    {"bert-base", 22.5e9 / 2, 0.01, 109e6,
     "Jiao et al., TinyBERT, Findings of EMNLP 2020, Table 1: BERT-base 109 M parameters, 22.5 G FLOPs at "
     "sequence 128"},
    {"gpt2-small", 0, 0, 124.4e6, "Hugging Face gpt2 (the released checkpoint): 124,439,808 parameters"},
};

// Every id valid, inputs produced before they are read, kinds and producers consistent.
void expect_well_formed(const Model& model) {
  std::set<std::string> layer_names, tensor_names;
  for (const ModelTensor& t : model.tensors) {
    EXPECT_TRUE(tensor_names.insert(t.name).second) << "duplicate tensor " << t.name;
    EXPECT_EQ(t.bytes, t.elements * model.options.element_bytes) << t.name;
    EXPECT_EQ(t.elements, *t.shape.elements()) << t.name;
    EXPECT_EQ(t.producer.has_value(), t.kind == TensorKind::activation || t.kind == TensorKind::output)
        << t.name;
  }
  std::vector<bool> available(model.tensors.size(), false);
  for (std::size_t i = 0; i < model.tensors.size(); ++i)
    available[i] = model.tensors[i].kind == TensorKind::input || model.tensors[i].kind == TensorKind::weight;
  for (std::size_t i = 0; i < model.layers.size(); ++i) {
    const ModelLayer& layer = model.layers[i];
    EXPECT_TRUE(layer_names.insert(layer.name).second) << "duplicate layer " << layer.name;
    for (const TensorId in : layer.inputs) EXPECT_TRUE(available[in]) << layer.name << " reads ahead";
    for (const TensorId w : layer.weights) EXPECT_EQ(model.tensors[w].kind, TensorKind::weight) << layer.name;
    EXPECT_EQ(model.tensors[layer.output].producer, static_cast<LayerId>(i)) << layer.name;
    available[layer.output] = true;
    EXPECT_EQ(layer.macs != 0, counts_macs(layer.op)) << layer.name;
  }
}

TEST(Zoo, EveryModelMatchesItsPublishedMacsAndParameters) {
  for (const Published& p : kZoo) {
    SCOPED_TRACE(p.name);
    const Model model = load_model(p.name, {1, 4});
    expect_well_formed(model);
    const double macs = static_cast<double>(model.totals.macs);
    EXPECT_NEAR(macs / p.macs, 1.0, p.macs_tolerance) << macs << " MACs; published: " << p.source;
    const double parameters = static_cast<double>(model.totals.of(TensorKind::weight).bytes) / 4;
    EXPECT_NEAR(parameters / p.parameters, 1.0, 0.05) << parameters << " parameters; published: " << p.source;
  }
}

TEST(Zoo, TransformersMatchTheirPublishedSizes) {
  for (const Published& p : kTransformers) {
    SCOPED_TRACE(p.name);
    const Model model = load_model(p.name, {1, 4});
    expect_well_formed(model);
    if (p.macs > 0) {
      EXPECT_NEAR(static_cast<double>(model.totals.macs) / p.macs, 1.0, p.macs_tolerance) << p.source;
    }
    // Learned parameters: not the constant masks of `where`, and GPT-2's head only once (its matrix
    // is the token embeddings, tied). Position and token-type tables are per-feature biases here
    // (the files say why).
    std::uint64_t elements = 0;
    for (const ModelLayer& layer : model.layers)
      if (layer.op != Op::where && layer.name != "lm_head")
        for (const TensorId w : layer.weights) elements += model.tensors[w].elements;
    const double parameters = static_cast<double>(elements);
    EXPECT_NEAR(parameters / p.parameters, 1.0, 0.01) << parameters << " parameters; published: " << p.source;
  }
}

// GPT-2 small: each token meets each weight of the blocks once, 12 x layers x d_model^2 MACs, the
// 85 M non-embedding parameters of Kaplan et al. (Scaling Laws for Neural Language Models, 2020,
// Table 1, N = 12 n_layer d_model^2); attention adds two S x S x d_model products per layer, the
// head one d_model x vocabulary product for the last token. --seq changes S only.
TEST(Zoo, Gpt2SmallMacsFollowKaplansCountAtAnySequenceLength) {
  constexpr std::uint64_t kLayers = 12, kModel = 768, kVocab = 50257;
  const std::uint64_t non_embedding = 12 * kLayers * kModel * kModel;
  EXPECT_NEAR(static_cast<double>(non_embedding) / 85e6, 1.0, 0.01);
  for (const std::uint64_t seq : {std::uint64_t{0}, std::uint64_t{64}, std::uint64_t{1024}}) {
    const Model model = load_model("gpt2-small", {1, 2, seq});
    const std::uint64_t s = model.tensors[0].elements;
    EXPECT_EQ(s, seq == 0 ? 256u : seq);
    EXPECT_EQ(model.totals.macs, s * non_embedding + kLayers * 2 * s * s * kModel + kModel * kVocab);
    EXPECT_EQ(model.tensors[model.layers.back().output].elements, kVocab);
  }
}

TEST(Zoo, SequenceLengthAppliesToTransformersOnly) {
  EXPECT_EQ(load_model("bert-base", {1, 2, 32}).tensors[0].elements, 32u);
  try {
    load_model("resnet50", {1, 2, 32});
    ADD_FAILURE() << "--seq on an image model";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--seq"), std::string::npos) << e.what();
  }
}

TEST(Zoo, EveryModelClassifiesIntoAThousandClasses) {
  for (const Published& p : kZoo) {
    SCOPED_TRACE(p.name);
    const Model model = load_model(p.name, {2, 2});
    const auto outputs = model.tensors_of_kind(TensorKind::output);
    ASSERT_EQ(outputs.size(), 1u);
    EXPECT_EQ(model.tensors[outputs[0]].shape, (Shape{2, 1000, 1, 1}));
    EXPECT_EQ(model.layers.back().op, Op::softmax);
    ASSERT_EQ(model.tensors_of_kind(TensorKind::input).size(), 1u);
    EXPECT_EQ(model.tensors[0].shape.n, 2u);
  }
}

TEST(Zoo, TheBuiltInNamesAreExactlyTheFilesOfTheModelsFolder) {
  std::set<std::string> files, builtin;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(TETRIS_SOURCE_DIR) + "/workloads/models"))
    if (entry.path().extension() == ".yaml") files.insert(entry.path().stem().string());
  for (const auto& name : builtin_model_names()) {
    builtin.insert(name);
    // Embedded byte for byte.
    EXPECT_EQ(*builtin_model_text(name),
              read_text_file(std::string(TETRIS_SOURCE_DIR) + "/workloads/models/" + name + ".yaml"));
  }
  EXPECT_EQ(files, builtin);
  // The pruned models are their CNNs with densities (tested in model_yaml_test.cc).
  EXPECT_EQ(builtin.size(), std::size(kZoo) + std::size(kTransformers) + 2);
  EXPECT_TRUE(builtin.contains("alexnet-pruned") && builtin.contains("vgg16-pruned"));
  EXPECT_FALSE(builtin_model_text("resnet51").has_value());
}

TEST(Zoo, LayerShapesFollowThePapers) {
  const Model resnet = load_model("resnet50", {1, 2});
  auto shape = [](const Model& m, std::string_view layer) {
    return m.tensors[m.layers[*m.find_layer(layer)].output].shape;
  };
  EXPECT_EQ(shape(resnet, "pool1"), (Shape{1, 64, 56, 56}));        // conv2_x: 56x56
  EXPECT_EQ(shape(resnet, "res3a_relu"), (Shape{1, 512, 28, 28}));  // conv3_x: 28x28
  EXPECT_EQ(shape(resnet, "res5c_relu"), (Shape{1, 2048, 7, 7}));   // conv5_x: 7x7
  const Model googlenet = load_model("googlenet", {1, 2});
  EXPECT_EQ(shape(googlenet, "pool1_3x3_s2"), (Shape{1, 64, 56, 56}));          // Table 1: 56x56x64
  EXPECT_EQ(shape(googlenet, "inception_3b_output"), (Shape{1, 480, 28, 28}));  // 28x28x480
  EXPECT_EQ(shape(googlenet, "inception_4e_output"), (Shape{1, 832, 14, 14}));  // 14x14x832
  EXPECT_EQ(shape(googlenet, "inception_5b_output"), (Shape{1, 1024, 7, 7}));   // 7x7x1024
  const Model alexnet = load_model("alexnet", {1, 2});
  EXPECT_EQ(shape(alexnet, "conv1"), (Shape{1, 96, 55, 55}));
  EXPECT_EQ(shape(alexnet, "pool5"), (Shape{1, 256, 6, 6}));
  const Model mobilenet = load_model("mobilenet-v2", {1, 2});
  EXPECT_EQ(shape(mobilenet, "block17_project_bn"), (Shape{1, 320, 7, 7}));  // Table 2: 7x7x320
}

TEST(Zoo, TheBatchScalesWorkAndActivationsButNotWeights) {
  const Model one = load_model("mobilenet-v1", {1, 2});
  const Model eight = load_model("mobilenet-v1", {8, 2});
  EXPECT_EQ(eight.totals.macs, 8 * one.totals.macs);
  EXPECT_EQ(eight.totals.element_ops, 8 * one.totals.element_ops);
  EXPECT_EQ(eight.totals.of(TensorKind::activation).bytes, 8 * one.totals.of(TensorKind::activation).bytes);
  EXPECT_EQ(eight.totals.of(TensorKind::weight).bytes, one.totals.of(TensorKind::weight).bytes);
}

}  // namespace
}  // namespace tetris::workloads
