// Lowering every zoo model onto 1, 4 and 16 cores with both sync modes (and channel
// partitioning on 4 and 16): each program validates, stores every activation byte exactly once,
// has no race, fits every tile into the buffers, keeps the model's MAC count and round-trips
// through the text format. Then the rules one by one on small models: fusion, views, concat in
// place, halo rows, input-channel splits, the partition modes, and a dropped sync being caught.
#include "workloads/lowering.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "common/input_error.h"
#include "common/trace_io.h"
#include "workloads/builtin_models.h"
#include "workloads/model_loader.h"
#include "workloads/model_yaml.h"
#include "tests/support/program_checks.h"
#include "tests/workloads/onnx_graph.h"

namespace tetris::workloads {
namespace {

using test_support::find_buffer_overflow;
using test_support::find_race;
using test_support::find_store_error;

MachineConfig machine(std::uint32_t cores) { return load_machine_config(fmt::format("cambricon-x-{}core", cores)); }

std::uint64_t macs_of(const Program& p) {
  std::uint64_t macs = 0;
  for (const auto& stream : p.streams)
    for (const Instruction& i : stream)
      if (const auto* c = std::get_if<Compute>(&i.op); c && (c->op == ComputeOp::conv || c->op == ComputeOp::fc))
        macs += c->work;
  return macs;
}

template <class T>
std::size_t count_of(const Program& p, std::optional<LayerId> layer = std::nullopt) {
  std::size_t n = 0;
  for (const auto& stream : p.streams)
    for (const Instruction& i : stream)
      if (std::holds_alternative<T>(i.op) && (!layer || i.layer == layer)) ++n;
  return n;
}

std::optional<LayerId> layer_named(const Program& p, std::string_view name) {
  for (LayerId id = 0; id < p.layers.size(); ++id)
    if (p.layers[id].name == name) return id;
  return std::nullopt;
}

std::optional<TensorId> tensor_named(const Program& p, std::string_view name) {
  for (TensorId id = 0; id < p.tensors.size(); ++id)
    if (p.tensors[id].name == name) return id;
  return std::nullopt;
}

// Every property a lowered program promises; `context` names the case in failures.
void expect_sound(const Program& p, const Model& model, const MachineConfig& config) {
  ASSERT_NO_THROW(validate_program(p, "lowered"));
  EXPECT_EQ(p.cores, config.cores);
  EXPECT_EQ(p.element_bytes, config.core.element_bytes);
  EXPECT_EQ(find_store_error(p), std::nullopt);
  EXPECT_EQ(find_race(p), std::nullopt);
  EXPECT_EQ(find_buffer_overflow(p, config.core), std::nullopt);
  // A pruned model's tiles take the busiest lanes' MACs on a core with an indexing module.
  const bool pruned = std::any_of(model.layers.begin(), model.layers.end(),
                                  [](const ModelLayer& l) { return l.weight_density < 1; });
  if (pruned && config.core.index_bits > 0) {
    EXPECT_LT(macs_of(p), model.totals.macs);
  } else {
    EXPECT_EQ(macs_of(p), model.totals.macs);
  }
  for (const auto& stream : p.streams)
    for (const Instruction& i : stream) {
      ASSERT_TRUE(i.layer.has_value()) << "an instruction outside any layer";
      if (const auto* l = std::get_if<Load>(&i.op)) {
        // Weights go to SB; so does the second operand of a product of two activations.
        if (p.tensors[l->tensor].kind == TensorKind::weight) {
          EXPECT_EQ(l->buffer, OnChipBuffer::sb);
          // A convolution's weights are stored chunk by chunk in load order: one range each.
          const std::string& op = p.layers[*i.layer].op;
          if (op.starts_with("conv") || op.starts_with("fully_connected")) {
            EXPECT_FALSE(l->range.is_2d()) << p.layers[*i.layer].name;
          }
        } else if (l->buffer == OnChipBuffer::sb) {
          EXPECT_TRUE(p.layers[*i.layer].op.starts_with("matmul")) << p.layers[*i.layer].name;
        }
      }
      if (const auto* s = std::get_if<Store>(&i.op)) {
        EXPECT_EQ(s->buffer, OnChipBuffer::nbout);
      }
    }
  // The graph input and outputs keep their kinds; weights are not activations.
  for (const TensorId t : model.tensors_of_kind(TensorKind::input)) {
    const auto id = tensor_named(p, model.tensors[t].name);
    ASSERT_TRUE(id) << model.tensors[t].name;
    EXPECT_EQ(p.tensors[*id].kind, TensorKind::input);
  }
  std::uint64_t outputs = 0;
  for (const Tensor& t : p.tensors) outputs += t.kind == TensorKind::output ? t.bytes : 0;
  EXPECT_EQ(outputs, model.totals.of(TensorKind::output).bytes);
  const std::string text = write_trace(p);
  const Program back = read_trace(text, "round-trip");
  EXPECT_EQ(write_trace(back), text);
  for (CoreId c = 0; c < p.cores; ++c) EXPECT_EQ(back.streams[c].size(), p.streams[c].size());
}

struct Case {
  std::string model;
  std::uint32_t cores;
  SyncMode sync;
  PartitionMode partition;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.model << " on " << c.cores << " cores, " << to_string(c.sync) << ", " << to_string(c.partition);
}

std::string case_name(const testing::TestParamInfo<Case>& info) {
  std::string name = fmt::format("{}_{}cores_{}_{}", info.param.model, info.param.cores, to_string(info.param.sync),
                                 to_string(info.param.partition));
  std::replace_if(name.begin(), name.end(), [](char ch) { return !std::isalnum(static_cast<unsigned char>(ch)); }, '_');
  return name;
}

class ZooLowering : public testing::TestWithParam<Case> {};

TEST_P(ZooLowering, IsSound) {
  const Case& c = GetParam();
  const MachineConfig config = machine(c.cores);
  const Model model = load_model(c.model, {1, config.core.element_bytes});
  const Program p = lower(model, config, {true, c.sync, c.partition});
  expect_sound(p, model, config);
  if (c.cores > 1 && c.sync == SyncMode::barrier) {
    EXPECT_GT(count_of<Barrier>(p), 0u);
    EXPECT_EQ(count_of<Signal>(p), 0u);
  }
  if (c.sync == SyncMode::p2p) {
    EXPECT_EQ(count_of<Barrier>(p), 0u);
  }
  if (c.cores > 1 && c.sync == SyncMode::p2p) {
    EXPECT_GT(count_of<Wait>(p), 0u);
  }
}

std::vector<Case> zoo_cases() {
  std::vector<Case> cases;
  for (const std::string& name : builtin_model_names()) {
    for (const std::uint32_t cores : {1u, 4u, 16u})
      for (const SyncMode sync : {SyncMode::barrier, SyncMode::p2p}) cases.push_back({name, cores, sync, PartitionMode::rows});
    for (const std::uint32_t cores : {4u, 16u})
      for (const SyncMode sync : {SyncMode::barrier, SyncMode::p2p})
        cases.push_back({name, cores, sync, PartitionMode::channels});
    for (const SyncMode sync : {SyncMode::barrier, SyncMode::p2p})
      cases.push_back({name, 16u, sync, PartitionMode::automatic});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AllZooModels, ZooLowering, testing::ValuesIn(zoo_cases()), case_name);

// The ONNX graphs of ../shared (absent in a fresh clone): the same properties.
TEST(Lowering, OnnxGraphsAreSound) {
  const std::filesystem::path folder = std::filesystem::path(TETRIS_SHARED_DIR) / "models" / "onnx-light";
  if (!std::filesystem::exists(folder)) GTEST_SKIP() << folder << " is absent (a fresh clone has no ../shared)";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    if (entry.path().extension() == ".onnx") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty());
  const MachineConfig config = machine(4);
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    const Model model = load_model(file.string(), {1, config.core.element_bytes});
    for (const SyncMode sync : {SyncMode::barrier, SyncMode::p2p})
      expect_sound(lower(model, config, {true, sync, PartitionMode::rows}), model, config);
  }
}

// The transformer graphs of ../shared on 4 and 16 cores, both sync modes, fused and not: the same
// properties, MACs included.
TEST(Lowering, TransformerGraphsAreSound) {
  const std::filesystem::path folder = std::filesystem::path(TETRIS_SHARED_DIR) / "models" / "transformers";
  if (!std::filesystem::exists(folder)) GTEST_SKIP() << folder << " is absent (a fresh clone has no ../shared)";
  for (const char* file : {"bert-tiny.onnx", "gpt2-tiny.onnx"})
    for (const std::uint32_t cores : {4u, 16u}) {
      const MachineConfig config = machine(cores);
      const Model model = load_model((folder / file).string(), {1, config.core.element_bytes});
      for (const SyncMode sync : {SyncMode::barrier, SyncMode::p2p})
        for (const bool fuse : {true, false}) {
          SCOPED_TRACE(fmt::format("{} on {} cores, {}, fusion {}", file, cores, to_string(sync), fuse));
          const Program p = lower(model, config, {fuse, sync, PartitionMode::rows});
          expect_sound(p, model, config);
          // Every core works on the attention products: rows of (head, token) pairs are shared out.
          const auto qk = layer_named(p, "/encoder/layer.0/attention/self/MatMul");
          if (qk) {
            for (CoreId c = 0; c < p.cores; ++c) {
              std::size_t computes = 0;
              for (const Instruction& i : p.streams[c])
                computes += i.layer == qk && std::holds_alternative<Compute>(i.op);
              EXPECT_GT(computes, 0u) << "core " << c;
            }
          }
        }
    }
}

// A ViT front end (patch convolution, class token, position embeddings, layer norm, head), as
// exported: sound on 4 and 16 cores, both sync modes, at batch 2; the class token is written
// straight into its slot of the sequence.
TEST(Lowering, AVitFrontEndIsSound) {
  onnx_test::OnnxGraph g(17);
  onnx_test::build_vit_front(g);
  const std::string path = g.save("vit_lowering.onnx");
  for (const std::uint32_t cores : {4u, 16u}) {
    const MachineConfig config = machine(cores);
    const Model model = load_model(path, {2, config.core.element_bytes});
    for (const SyncMode sync : {SyncMode::barrier, SyncMode::p2p}) {
      SCOPED_TRACE(fmt::format("{} cores, {}", cores, to_string(sync)));
      const Program p = lower(model, config, {true, sync, PartitionMode::rows});
      expect_sound(p, model, config);
      EXPECT_FALSE(tensor_named(p, "cls_token_value")) << "the class token has no tensor of its own";
      EXPECT_GT(count_of<Store>(p, layer_named(p, "prepend_cls_cls_token")), 0u);
    }
  }
}

// The result of a product of two activations is written as matrices: a concat of two of them
// copies both instead of giving them slots.
TEST(Lowering, AttentionContextsConcatenatedAreCopied) {
  const char* text = R"(name: heads
input: {name: tokens, shape: [8]}
layers:
  - {name: embed, op: embedding, rows: 50, features: 16}
  - {name: q, op: reshape, shape: [-1, 2, 8]}
  - {name: q_t, op: transpose, perm: [0, 2, 1, 3]}
  - {name: k_t, op: transpose, input: q, perm: [0, 2, 3, 1]}
  - {name: a, op: matmul, inputs: [q_t, k_t]}
  - {name: b, op: matmul, inputs: [q_t, k_t]}
  - {name: both, op: concat, inputs: [a, b], axis: 2}
)";
  const MachineConfig config = machine(4);
  const Model model = parse_model_yaml(text, "heads.yaml", {1, config.core.element_bytes});
  const Program p = lower(model, config);
  expect_sound(p, model, config);
  EXPECT_GT(count_of<Store>(p, layer_named(p, "both")), 0u) << "the concat copies the matrices";
}

TEST(Lowering, BatchesAreLowered) {
  const MachineConfig config = machine(4);
  for (const char* name : {"resnet18", "squeezenet-v1.1"}) {
    const Model model = load_model(name, {3, 2});
    expect_sound(lower(model, config, {true, SyncMode::p2p, PartitionMode::rows}), model, config);
    expect_sound(lower(model, config, {true, SyncMode::barrier, PartitionMode::channels}), model, config);
  }
}

TEST(Lowering, WithoutFusionEveryModelLayerIsALayer) {
  const MachineConfig config = machine(4);
  const Model model = load_model("mobilenet-v2", {1, 2});
  const Program p = lower(model, config, {false, SyncMode::barrier, PartitionMode::rows});
  expect_sound(p, model, config);
  ASSERT_EQ(p.layers.size(), model.layers.size());
  for (std::size_t i = 0; i < model.layers.size(); ++i) EXPECT_EQ(p.layers[i].name, model.layers[i].name);
  // Batch norms compute, with their own weights in SB.
  const auto bn = layer_named(p, "block2_expand_bn");
  ASSERT_TRUE(bn);
  EXPECT_GT(count_of<Compute>(p, bn), 0u);
  EXPECT_TRUE(tensor_named(p, "block2_expand_bn.scale"));
}

TEST(Lowering, FusionFoldsNormalisationAndActivationsIntoConvolutions) {
  const MachineConfig config = machine(4);
  const Model model = load_model("resnet50", {1, 2});
  const Program p = lower(model, config);
  EXPECT_FALSE(layer_named(p, "bn_conv1"));
  EXPECT_FALSE(layer_named(p, "conv1_relu"));
  EXPECT_FALSE(tensor_named(p, "conv1"));  // the intermediate tensors disappear
  const auto conv1 = layer_named(p, "conv1");
  ASSERT_TRUE(conv1);
  EXPECT_EQ(p.layers[*conv1].op, "conv+batch_norm+relu");
  EXPECT_TRUE(tensor_named(p, "conv1_relu"));
  // The add of a residual block is not a conv: its relu stays a layer.
  EXPECT_TRUE(layer_named(p, "res2a_relu"));
  // One weight tensor per layer with weights, holding the folded batch norm's values too.
  std::size_t weights = 0;
  for (const Tensor& t : p.tensors) weights += t.kind == TensorKind::weight;
  EXPECT_EQ(weights, 54u);  // 53 convolutions and the fully connected layer
  const auto w = tensor_named(p, "conv1.weight");
  ASSERT_TRUE(w);
  EXPECT_EQ(p.tensors[*w].bytes, (3 * 7 * 7 + 4) * 64 * 2);  // + scale, bias, mean, variance rows
}

TEST(Lowering, ViewsAndConcatsEmitNothing) {
  const MachineConfig config = machine(4);
  const Model model = load_model("googlenet", {1, 2});
  const Program p = lower(model, config);
  expect_sound(p, model, config);
  for (const char* name : {"inception_3a_output", "inception_5b_output", "pool5_drop"}) {
    const auto id = layer_named(p, name);
    ASSERT_TRUE(id) << name;
    EXPECT_EQ(count_of<Compute>(p, id) + count_of<Load>(p, id) + count_of<Store>(p, id), 0u) << name;
  }
  // The branches store straight into the concat's output, with strided 2-D stores of their channels.
  EXPECT_FALSE(tensor_named(p, "inception_3a_relu_1x1"));
  EXPECT_FALSE(tensor_named(p, "pool5_drop"));
  const auto out = tensor_named(p, "inception_3a_output");
  ASSERT_TRUE(out);
  const auto branch = layer_named(p, "inception_3a_3x3");
  std::size_t strided = 0;
  for (const auto& stream : p.streams)
    for (const Instruction& i : stream)
      if (const auto* s = std::get_if<Store>(&i.op); s && i.layer == branch) {
        EXPECT_EQ(s->tensor, *out);
        // 128 of the output's 256 channels, in chunks of at most 128.
        strided += s->range.is_2d() && s->range.row_stride == 256 * 2 && s->range.row_bytes <= 128 * 2;
      }
  EXPECT_GT(strided, 0u);
  // The first writer of the concat's output is its producer.
  EXPECT_EQ(p.layers[*p.tensors[*out].producer].name, "inception_3a_1x1");
}

const char* kConcatOfAnInput = R"(name: shared
input: {shape: [8, 6, 6]}
layers:
  - {name: a, op: conv, out: 8, kernel: 1}
  - {name: both, op: concat, inputs: [data, a]}
  - {name: twice, op: concat, inputs: [a, a]}
  - {name: sum, op: add, inputs: [both, twice]}
)";

TEST(Lowering, ConcatCopiesWhatItCannotPlace) {
  const MachineConfig config = machine(4);
  const Model model = parse_model_yaml(kConcatOfAnInput, "shared.yaml", {1, 2});
  for (const SyncMode sync : {SyncMode::barrier, SyncMode::p2p}) {
    const Program p = lower(model, config, {true, sync, PartitionMode::rows});
    expect_sound(p, model, config);
    for (const char* name : {"both", "twice"}) {
      const auto id = layer_named(p, name);
      ASSERT_TRUE(id);
      EXPECT_GT(count_of<Compute>(p, id), 0u) << name << " copies the graph input and the operand read twice";
    }
  }
}

const char* kWideConv = R"(name: wide
input: {shape: [1024, 7, 7]}
layers:
  - {name: conv, op: conv, out: 64, kernel: 3, pad: 1}
)";

TEST(Lowering, SplitsInputChannelsKeepingPartialSumsInNbout) {
  const MachineConfig config = machine(1);
  const Model model = parse_model_yaml(kWideConv, "wide.yaml", {1, 2});
  const Program p = lower(model, config);
  expect_sound(p, model, config);
  // 1024 x 9 weights of 2 bytes per output channel: a few channels fill SB, so several computes
  // (input-channel chunks) precede each store.
  std::size_t computes = 0, most = 0;
  for (const Instruction& i : p.streams[0]) {
    if (std::holds_alternative<Compute>(i.op)) ++computes;
    if (std::holds_alternative<Store>(i.op)) most = std::max(most, computes), computes = 0;
  }
  EXPECT_GT(most, 1u);
}

// Every conv weight byte is loaded, and only as whole chunks of the chunk-by-chunk layout: on
// 4 cores with input-channel chunks, the loads of the weight tensor cover it exactly, each range
// inside it, and different ranges never partly overlap (a chunk is loaded whole or not at all).
TEST(Lowering, WeightChunksAreContiguousAndCoverTheTensor) {
  for (const std::uint32_t cores : {1u, 4u, 16u}) {
    const MachineConfig config = machine(cores);
    const Model model = parse_model_yaml(kWideConv, "wide.yaml", {1, 2});
    const Program p = lower(model, config);
    expect_sound(p, model, config);
    const auto w = tensor_named(p, "conv.weight");
    ASSERT_TRUE(w);
    std::set<std::pair<std::uint64_t, std::uint64_t>> chunks;
    for (const auto& stream : p.streams)
      for (const Instruction& i : stream)
        if (const auto* l = std::get_if<Load>(&i.op); l && l->tensor == *w) {
          EXPECT_FALSE(l->range.is_2d());
          EXPECT_LE(l->range.end(), p.tensors[*w].bytes);
          chunks.insert({l->range.offset, l->range.end()});
        }
    std::uint64_t covered = 0;
    for (const auto& [begin, end] : chunks) {
      EXPECT_EQ(begin, covered) << cores << " cores: chunks overlap or leave a gap";
      covered = end;
    }
    EXPECT_EQ(covered, p.tensors[*w].bytes) << cores << " cores";
  }
}

// A 1x1 convolution with stride 2 reads every other row and column of its input: its loads move
// those pixels only (one strided range per input row), on one core and on row bands and channel
// groups alike.
TEST(Lowering, AStridedPointwiseConvolutionLoadsOnlyThePixelsItReads) {
  const char* text = R"(name: strided
input: {shape: [64, 8, 8]}
layers:
  - {name: conv1, op: conv, out: 64, kernel: 3, pad: 1}
  - {name: proj, op: conv, out: 96, kernel: 1, stride: 2}
)";
  const Model model = parse_model_yaml(text, "strided.yaml", {1, 2});
  std::set<std::uint64_t> wanted;
  for (std::uint64_t h = 0; h < 8; h += 2)
    for (std::uint64_t w = 0; w < 8; w += 2)
      for (std::uint64_t byte = 0; byte < 64 * 2; ++byte) wanted.insert((h * 8 + w) * 64 * 2 + byte);
  for (const std::uint32_t cores : {1u, 4u, 16u})
    for (const PartitionMode mode : {PartitionMode::rows, PartitionMode::channels, PartitionMode::automatic}) {
      const MachineConfig config = machine(cores);
      const Program p = lower(model, config, {true, SyncMode::barrier, mode});
      expect_sound(p, model, config);
      const auto in = tensor_named(p, "conv1"), proj = layer_named(p, "proj");
      ASSERT_TRUE(in && proj);
      std::set<std::uint64_t> read;
      std::uint64_t loads = 0;
      for (const auto& stream : p.streams)
        for (const Instruction& i : stream)
          if (const auto* l = std::get_if<Load>(&i.op); l && l->tensor == *in && i.layer == proj) {
            ++loads;
            for (std::uint64_t r = 0; r < l->range.rows; ++r)
              for (std::uint64_t b = 0; b < l->range.row_bytes; ++b) read.insert(l->range.offset + r * l->range.row_stride + b);
          }
      EXPECT_GT(loads, 0u);
      EXPECT_EQ(read, wanted) << cores << " cores, " << to_string(mode);
    }
}

// A sparse tile: 16 output channels of 32 x 1 x 1 synapses at density 1/4, the busiest lane at
// 1/2. On a core with an 8-bit index the weights are stored as 32 x 1/4 x (16 + 8) / 16 = 12 rows
// (+ 1 bias row), and each compute takes the busiest lane's MACs: half the dense ones. Without
// an indexing module the same model runs dense.
TEST(Lowering, ASparseTileTakesItsBusiestLanesMacs) {
  const char* text = R"(name: sparse
input: {shape: [32, 4, 4]}
layers:
  - {name: conv, op: conv, out: 16, kernel: 1, density: 0.25}
)";
  const Model model = parse_model_yaml(text, "sparse.yaml", {1, 2});
  ASSERT_DOUBLE_EQ(model.layers[0].weight_density, 0.25);
  for (const std::uint64_t index_bits : {0u, 8u}) {
    SCOPED_TRACE(index_bits);
    const std::vector<ConfigOverride> index = {{"core.index_bits", std::to_string(index_bits)}};
    const MachineConfig config = load_machine_config("cambricon-x-1core", index);
    // Pin the busiest lane to 1/2 (the estimate would say 0.25 + 1.766 sqrt(0.1875 / 32)).
    Model pinned = model;
    pinned.layers[0].busiest_density = 0.5;
    const Program p = lower(pinned, config);
    std::uint64_t work = 0;
    for (const Instruction& i : p.streams[0])
      if (const auto* c = std::get_if<Compute>(&i.op)) work += c->work;
    const auto weights = tensor_named(p, "conv.weight");
    ASSERT_TRUE(weights);
    if (index_bits == 0) {
      EXPECT_EQ(work, model.totals.macs);
      EXPECT_EQ(p.tensors[*weights].bytes, (32u + 1) * 16 * 2);
    } else {
      EXPECT_EQ(work, model.totals.macs / 2);
      EXPECT_EQ(p.tensors[*weights].bytes, (12u + 1) * 16 * 2);
      EXPECT_EQ(find_buffer_overflow(p, config.core), std::nullopt);
      EXPECT_EQ(find_store_error(p), std::nullopt);
    }
  }
}

const char* kThreeByThree = R"(name: halo
input: {shape: [16, 32, 32]}
layers:
  - {name: conv, op: conv, out: 16, kernel: 3, pad: 1}
)";

TEST(Lowering, RowBandsReadTheirHaloRows) {
  const MachineConfig config = machine(4);
  const Model model = parse_model_yaml(kThreeByThree, "halo.yaml", {1, 2});
  const Program p = lower(model, config);
  expect_sound(p, model, config);
  const std::uint64_t row = 32 * 16 * 2;  // one input row, channels-last
  // Core 1 computes output rows 8..15: it reads input rows 7..16 and stores its band contiguously.
  std::uint64_t lowest_load = ~std::uint64_t{0}, highest_load = 0, lowest_store = ~std::uint64_t{0};
  for (const Instruction& i : p.streams[1]) {
    if (const auto* l = std::get_if<Load>(&i.op); l && l->tensor == 0)
      lowest_load = std::min(lowest_load, l->range.offset), highest_load = std::max(highest_load, l->range.end());
    if (const auto* s = std::get_if<Store>(&i.op)) {
      EXPECT_FALSE(s->range.is_2d());
      lowest_store = std::min(lowest_store, s->range.offset);
    }
  }
  EXPECT_EQ(lowest_load, 7 * row);
  EXPECT_EQ(highest_load, 17 * row);
  EXPECT_EQ(lowest_store, 8 * row);
}

TEST(Lowering, ChannelPartitionsStoreStridedSlicesAndReadTheWholeInput) {
  const MachineConfig config = machine(4);
  const Model model = parse_model_yaml(kThreeByThree, "halo.yaml", {1, 2});
  const Program p = lower(model, config, {true, SyncMode::barrier, PartitionMode::channels});
  expect_sound(p, model, config);
  for (CoreId c = 0; c < 4; ++c) {
    std::uint64_t loaded = 0;
    for (const Instruction& i : p.streams[c]) {
      if (const auto* l = std::get_if<Load>(&i.op); l && l->tensor == 0) loaded += l->range.bytes();
      if (const auto* s = std::get_if<Store>(&i.op)) {
        EXPECT_TRUE(s->range.is_2d());
        EXPECT_EQ(s->range.row_bytes, 4u * 2);  // 4 of 16 channels
        EXPECT_EQ(s->range.row_stride, 16u * 2);
      }
    }
    EXPECT_GE(loaded, 32u * 32 * 16 * 2);
  }
}

TEST(Lowering, PointToPointSyncOnlyLinksCoresThatShareBytes) {
  const MachineConfig config = machine(4);
  const Model model = parse_model_yaml(R"(name: two
input: {shape: [16, 32, 32]}
layers:
  - {name: a, op: conv, out: 16, kernel: 1}
  - {name: b, op: conv, out: 16, kernel: 1}
  - {name: c, op: conv, out: 16, kernel: 3, pad: 1}
)",
                                       "two.yaml", {1, 2});
  const Program p = lower(model, config, {true, SyncMode::p2p, PartitionMode::rows});
  expect_sound(p, model, config);
  // a -> b: 1x1, each core reads its own rows: no sync. b -> c: 3x3, neighbours exchange halos.
  EXPECT_EQ(count_of<Wait>(p, layer_named(p, "b")), 0u);
  EXPECT_EQ(count_of<Wait>(p, layer_named(p, "c")), 6u);  // cores 0 and 3 wait for one, 1 and 2 for two
  EXPECT_EQ(count_of<Signal>(p, layer_named(p, "b")), 6u);
}

// Removing the sync that orders a layer's stores before the next layer's loads is a race.
TEST(Lowering, ADroppedBarrierIsReportedAsARace) {
  const MachineConfig config = machine(4);
  const Model model = load_model("resnet18", {1, 2});
  Program p = lower(model, config);
  ASSERT_EQ(find_race(p), std::nullopt);
  // Barrier 0 follows conv1; pool1 reads its neighbours' rows (3x3 window).
  for (auto& stream : p.streams)
    std::erase_if(stream, [](const Instruction& i) {
      const auto* b = std::get_if<Barrier>(&i.op);
      return b && b->id == 0;
    });
  p.barriers.erase(0);
  ASSERT_NO_THROW(validate_program(p, "dropped"));
  const auto race = find_race(p);
  ASSERT_TRUE(race);
  EXPECT_NE(race->find("race"), std::string::npos) << *race;
  EXPECT_NE(race->find("pool1"), std::string::npos) << *race;
}

TEST(Lowering, ADroppedSemaphoreIsReportedAsARace) {
  const MachineConfig config = machine(4);
  const Model model = load_model("resnet18", {1, 2});
  Program p = lower(model, config, {true, SyncMode::p2p, PartitionMode::rows});
  ASSERT_EQ(find_race(p), std::nullopt);
  // Core 1's first wait: pool1 reading a halo row core 0 or core 2 wrote in conv1.
  const auto* first_wait = [&]() -> const Wait* {
    for (const Instruction& i : p.streams[1])
      if (const auto* w = std::get_if<Wait>(&i.op)) return w;
    return nullptr;
  }();
  ASSERT_NE(first_wait, nullptr);
  const SemaphoreId dropped = first_wait->semaphore;
  for (auto& stream : p.streams)
    std::erase_if(stream, [&](const Instruction& i) {
      const auto* s = std::get_if<Signal>(&i.op);
      const auto* w = std::get_if<Wait>(&i.op);
      return (s && s->semaphore == dropped) || (w && w->semaphore == dropped);
    });
  ASSERT_NO_THROW(validate_program(p, "dropped"));
  const auto race = find_race(p);
  ASSERT_TRUE(race);
  EXPECT_NE(race->find("race"), std::string::npos) << *race;
}

TEST(Lowering, ALayerThatCannotBeTiledIsRefusedNamingIt) {
  MachineConfig config = machine(1);
  config.core.nbin_bytes = 64;  // a 7x7 window of one channel is 98 bytes
  const Model model = load_model("resnet18", {1, 2});
  try {
    lower(model, config);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("conv1"), std::string::npos) << e.what();
  }
}

TEST(Lowering, ModesParseAndPrint) {
  EXPECT_EQ(parse_sync_mode("p2p"), SyncMode::p2p);
  EXPECT_EQ(parse_sync_mode("barrier"), SyncMode::barrier);
  EXPECT_EQ(parse_sync_mode("none"), std::nullopt);
  EXPECT_EQ(parse_partition_mode("rows"), PartitionMode::rows);
  EXPECT_EQ(parse_partition_mode("channels"), PartitionMode::channels);
  EXPECT_EQ(parse_partition_mode("auto"), PartitionMode::automatic);
  EXPECT_EQ(to_string(PartitionMode::automatic), "auto");
  EXPECT_EQ(parse_partition_mode("cols"), std::nullopt);
  EXPECT_EQ(to_string(SyncMode::p2p), "p2p");
  EXPECT_EQ(to_string(PartitionMode::channels), "channels");
  EXPECT_EQ(LoweringOptions{}.partition, PartitionMode::automatic);
  EXPECT_EQ(LoweringOptions{}.sync, SyncMode::barrier);
}

}  // namespace
}  // namespace tetris::workloads
