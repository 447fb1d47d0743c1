#include "workloads/onnx_import.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "common/file_io.h"
#include "common/input_error.h"
#include "workloads/model_builder.h"
#include "workloads/op_shapes.h"

namespace tetris::workloads {
namespace {

using Dims = std::vector<std::int64_t>;

// What the importer knows about one ONNX value (a tensor name in the graph).
struct Value {
  bool constant = false;           // known before the model runs: a weight or a folded shape
  std::optional<Dims> dims;        // from the file or shape inference; -1 where unknown
  std::optional<TensorId> tensor;  // activations once produced; constants once a layer reads them
};

// Replaces characters the trace format cannot carry in a name.
std::string sanitize(std::string_view name) {
  std::string out(name);
  for (char& ch : out)
    if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '#') ch = '_';
  return out.empty() ? std::string("unnamed") : out;
}

Dims dims_of(const onnx::TensorShapeProto& shape) {
  Dims dims;
  for (const auto& d : shape.dim()) dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
  return dims;
}

const onnx::AttributeProto* find_attribute(const onnx::NodeProto& node, std::string_view name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

std::int64_t attr_int(const onnx::NodeProto& node, std::string_view name, std::int64_t fallback) {
  const auto* a = find_attribute(node, name);
  return a ? a->i() : fallback;
}

float attr_float(const onnx::NodeProto& node, std::string_view name, float fallback) {
  const auto* a = find_attribute(node, name);
  return a ? a->f() : fallback;
}

std::string attr_string(const onnx::NodeProto& node, std::string_view name, std::string fallback) {
  const auto* a = find_attribute(node, name);
  return a ? a->s() : fallback;
}

std::optional<Dims> attr_ints(const onnx::NodeProto& node, std::string_view name) {
  const auto* a = find_attribute(node, name);
  if (!a) return std::nullopt;
  return Dims(a->ints().begin(), a->ints().end());
}

// The value of a one-element tensor (Clip bounds), when its data type is a number.
// A tensor's data, held in its typed field or packed little-endian in raw_data.
template <class T, class Field>
std::vector<T> data_of(const Field& typed, const std::string& raw) {
  if (raw.empty()) return {typed.begin(), typed.end()};
  std::vector<T> out(raw.size() / sizeof(T));
  std::memcpy(out.data(), raw.data(), out.size() * sizeof(T));
  return out;
}

// A float weight's pruning: the nonzero share, and that of the busiest of each kSparseLanes
// consecutive outputs (averaged over those groups), where output o's synapse s is element
// o * out_stride + s * synapse_stride. nullopt when the data is not float or not all there.
std::optional<std::pair<double, double>> measured_density(const onnx::TensorProto& t, std::uint64_t outputs,
                                                          std::uint64_t synapses, std::uint64_t out_stride,
                                                          std::uint64_t synapse_stride) {
  if (t.data_type() != onnx::TensorProto::FLOAT || outputs == 0 || synapses == 0) return std::nullopt;
  const std::vector<float> w = data_of<float>(t.float_data(), t.raw_data());
  if (w.size() != outputs * synapses) return std::nullopt;
  std::uint64_t nonzero = 0, busiest = 0;
  for (std::uint64_t group = 0; group < outputs; group += kSparseLanes) {
    std::uint64_t most = 0;
    for (std::uint64_t o = group; o < std::min(outputs, group + kSparseLanes); ++o) {
      std::uint64_t count = 0;
      for (std::uint64_t s = 0; s < synapses; ++s) count += w[o * out_stride + s * synapse_stride] != 0.0f;
      nonzero += count, most = std::max(most, count);
    }
    busiest += most;
  }
  const double groups = static_cast<double>((outputs + kSparseLanes - 1) / kSparseLanes);
  const double all = static_cast<double>(outputs * synapses);
  if (nonzero == 0) return std::pair{1.0 / all, 1.0 / static_cast<double>(synapses)};  // all zero: keep it valid
  return std::pair{static_cast<double>(nonzero) / all, static_cast<double>(busiest) / (groups * static_cast<double>(synapses))};
}

// The value of a one-element numeric tensor (Clip bounds).
std::optional<double> scalar_of(const onnx::TensorProto& t) {
  std::vector<double> values;
  auto take = [&](const auto& data) { values.assign(data.begin(), data.end()); };
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      take(data_of<float>(t.float_data(), t.raw_data()));
      break;
    case onnx::TensorProto::DOUBLE:
      take(data_of<double>(t.double_data(), t.raw_data()));
      break;
    case onnx::TensorProto::INT64:
      take(data_of<std::int64_t>(t.int64_data(), t.raw_data()));
      break;
    default:
      return std::nullopt;
  }
  if (values.size() != 1) return std::nullopt;
  return values[0];
}

// A small integer tensor of shape arithmetic (a scalar or a list), as exporters compute
// Reshape targets.
struct IntValue {
  std::vector<std::int64_t> values;
  bool scalar = false;
};

std::optional<IntValue> ints_of(const onnx::TensorProto& t) {
  if (t.dims_size() > 1) return std::nullopt;
  IntValue v;
  v.scalar = t.dims_size() == 0;
  if (t.data_type() == onnx::TensorProto::INT64) {
    v.values = data_of<std::int64_t>(t.int64_data(), t.raw_data());
  } else if (t.data_type() == onnx::TensorProto::INT32) {
    const auto narrow = data_of<std::int32_t>(t.int32_data(), t.raw_data());
    v.values.assign(narrow.begin(), narrow.end());
  } else {
    return std::nullopt;
  }
  return v;
}

// Evaluates the integer subgraphs that compute Reshape targets from Shape (PyTorch's
// x.view(x.size(0), -1): Shape -> Gather -> Unsqueeze -> Concat). ONNX 1.12's data propagation
// does not follow them, so the importer folds them into initializers and infers shapes again.
class ShapeFolder {
 public:
  explicit ShapeFolder(onnx::GraphProto& graph) : graph_(graph) {
    for (const auto& init : graph.initializer())
      if (const auto v = ints_of(init)) known_[init.name()] = *v;
    for (const auto& info : graph.value_info()) record_dims(info);
    for (const auto& info : graph.input()) record_dims(info);
  }

  // Returns whether any Reshape target was replaced.
  bool run() {
    std::unordered_set<std::string> initializers;
    for (const auto& init : graph_.initializer()) initializers.insert(init.name());
    bool folded = false;
    for (int i = 0; i < graph_.node_size(); ++i) {
      onnx::NodeProto& node = *graph_.mutable_node(i);
      evaluate(node);
      if (node.op_type() != "Reshape" || node.input_size() < 2 || initializers.contains(node.input(1)))
        continue;
      const auto it = known_.find(node.input(1));
      if (it == known_.end()) continue;
      auto* init = graph_.add_initializer();
      init->set_name(fmt::format("{}__tetris_folded", node.input(1)));
      init->set_data_type(onnx::TensorProto::INT64);
      init->add_dims(static_cast<std::int64_t>(it->second.values.size()));
      for (const auto v : it->second.values) init->add_int64_data(v);
      initializers.insert(init->name());
      node.set_input(1, init->name());
      folded = true;
    }
    return folded;
  }

 private:
  void record_dims(const onnx::ValueInfoProto& info) {
    if (!info.type().has_tensor_type() || !info.type().tensor_type().has_shape()) return;
    const Dims d = dims_of(info.type().tensor_type().shape());
    if (std::all_of(d.begin(), d.end(), [](std::int64_t x) { return x >= 0; })) dims_[info.name()] = d;
  }

  const IntValue* input(const onnx::NodeProto& node, int i) const {
    if (i >= node.input_size()) return nullptr;
    const auto it = known_.find(node.input(i));
    return it == known_.end() ? nullptr : &it->second;
  }

  void evaluate(const onnx::NodeProto& node) {
    const std::string& op = node.op_type();
    if (node.output_size() < 1) return;
    std::optional<IntValue> out;
    if (op == "Constant") {
      if (const auto* value = find_attribute(node, "value")) out = ints_of(value->t());
    } else if (op == "Shape") {
      const auto it = dims_.find(node.input(0));
      if (it != dims_.end() && !find_attribute(node, "start") && !find_attribute(node, "end"))
        out = IntValue{it->second, false};
    } else if (op == "Cast" || op == "Identity") {
      if (const IntValue* in = input(node, 0)) out = *in;
    } else if (op == "Gather") {
      const IntValue* data = input(node, 0);
      const IntValue* indices = input(node, 1);
      if (data && indices && !data->scalar && attr_int(node, "axis", 0) == 0) {
        IntValue v{{}, indices->scalar};
        const auto n = static_cast<std::int64_t>(data->values.size());
        for (auto index : indices->values) {
          if (index < 0) index += n;
          if (index < 0 || index >= n) return;
          v.values.push_back(data->values[static_cast<std::size_t>(index)]);
        }
        out = v;
      }
    } else if (op == "Unsqueeze") {
      if (const IntValue* in = input(node, 0); in && in->scalar) out = IntValue{in->values, false};
    } else if (op == "Squeeze") {
      if (const IntValue* in = input(node, 0); in && !in->scalar && in->values.size() == 1)
        out = IntValue{in->values, true};
    } else if (op == "Concat") {
      IntValue v;
      for (int i = 0; i < node.input_size(); ++i) {
        const IntValue* in = input(node, i);
        if (!in || in->scalar) return;
        v.values.insert(v.values.end(), in->values.begin(), in->values.end());
      }
      out = v;
    }
    if (out) known_[node.output(0)] = *out;
  }

  onnx::GraphProto& graph_;
  std::unordered_map<std::string, IntValue> known_;
  std::unordered_map<std::string, Dims> dims_;
};

class Importer {
 public:
  Importer(std::string_view file, const ModelOptions& options)
      : file_(file), options_(options), builder_(std::filesystem::path(file_).stem().string(), file_, options) {}

  Model run(onnx::ModelProto& model) {
    if (options_.sequence != 0)
      throw InputError({"--seq"}, fmt::format("{}: an ONNX file fixes its sequence length in its graph (its "
                                              "Reshape targets); --seq applies to YAML models",
                                              file_));
    if (!model.has_graph() || model.graph().node_size() == 0)
      throw InputError({file_}, "not an ONNX model: it has no graph (an empty or foreign file?)");
    for (const auto& opset : model.opset_import())
      if (opset.domain().empty() || opset.domain() == "ai.onnx") opset_ = opset.version();
    onnx::GraphProto& graph = *model.mutable_graph();
    collect_constants(graph);
    check_order(graph);
    fix_batch(graph);
    infer_shapes(model);
    if (ShapeFolder(graph).run()) {
      graph.clear_value_info();
      collect_constants(graph);
      infer_shapes(model);
    }
    collect_dims(graph);
    add_inputs(graph);
    for (const auto& node : graph.node())
      for (const auto& input : node.input()) consumed_.insert(input);
    for (const auto& output : graph.output()) consumed_.insert(output.name());
    for (int i = 0; i < graph.node_size(); ++i) import_node(graph.node(i), i);
    for (const auto& output : graph.output()) {
      const auto it = values_.find(output.name());
      if (it != values_.end() && !it->second.constant && it->second.tensor &&
          builder_.tensor(*it->second.tensor).kind == TensorKind::activation)
        builder_.mark_output(*it->second.tensor);
    }
    return std::move(builder_).build();
  }

 private:
  [[noreturn]] void fail(const std::string& message) const { throw InputError({file_}, message); }

  [[noreturn]] void fail(const onnx::NodeProto& node, int index, const std::string& message) const {
    const std::string label = node.name().empty() ? fmt::format("#{}", index) : node.name();
    throw InputError({file_}, fmt::format("node '{}' ({}): {}", label, node.op_type(), message));
  }

  // A node being mapped to a layer, with its inputs split by kind (ONNX names, in input order).
  struct NodeContext {
    const onnx::NodeProto& node;
    int index;
    const std::vector<std::string>& acts;
    const std::vector<std::string>& consts;
  };

  [[noreturn]] void fail(const NodeContext& n, const std::string& message) const {
    fail(n.node, n.index, message);
  }

  // Initializers are weights (older exporters also list them as graph inputs).
  void collect_constants(const onnx::GraphProto& graph) {
    for (const auto& init : graph.initializer()) {
      Value& v = values_[init.name()];
      v.constant = true;
      v.dims = Dims(init.dims().begin(), init.dims().end());
      initializers_[init.name()] = &init;
    }
  }

  // ONNX requires nodes in topological order; shape inference would only say that an input
  // has no type.
  void check_order(const onnx::GraphProto& graph) const {
    std::unordered_set<std::string> defined;
    for (const auto& input : graph.input()) defined.insert(input.name());
    for (const auto& init : graph.initializer()) defined.insert(init.name());
    for (int i = 0; i < graph.node_size(); ++i) {
      const auto& node = graph.node(i);
      for (const auto& input : node.input())
        if (!input.empty() && !defined.contains(input))
          fail(node, i,
               fmt::format("reads '{}', which no earlier node produces (the graph is not in "
                           "topological order, or has a cycle)",
                           input));
      defined.insert(node.output().begin(), node.output().end());
    }
  }

  // ONNX files fix or name their batch; tetris takes it from the options. The file's batch
  // (1 when it is symbolic) is only used for shape inference, and must stay the leading
  // dimension of every activation.
  void fix_batch(onnx::GraphProto& graph) {
    for (auto& input : *graph.mutable_input()) {
      if (values_.contains(input.name())) continue;
      if (!input.type().has_tensor_type() || !input.type().tensor_type().has_shape())
        fail(fmt::format("graph input '{}' has no tensor shape", input.name()));
      auto* shape = input.mutable_type()->mutable_tensor_type()->mutable_shape();
      if (shape->dim_size() == 0)
        fail(fmt::format("graph input '{}' is a scalar; expected a batch of samples", input.name()));
      for (int i = 1; i < shape->dim_size(); ++i)
        if (!shape->dim(i).has_dim_value() || shape->dim(i).dim_value() <= 0)
          fail(
              fmt::format("graph input '{}' has a symbolic or empty dimension {} ('{}'); tetris needs fixed "
                          "sample shapes",
                          input.name(), i, shape->dim(i).dim_param()));
      if (!shape->dim(0).has_dim_value() || shape->dim(0).dim_value() <= 0)
        shape->mutable_dim(0)->set_dim_value(1);
    }
  }

  void infer_shapes(onnx::ModelProto& model) {
    // libonnx's inference divides by these (a zero stride stops the process with SIGFPE), so
    // they are checked first.
    for (int i = 0; i < model.graph().node_size(); ++i) {
      const onnx::NodeProto& node = model.graph().node(i);
      for (const char* name : {"strides", "dilations", "kernel_shape"})
        if (const auto values = attr_ints(node, name))
          for (const auto v : *values)
            if (v < 1) fail(node, i, fmt::format("attribute '{}' must be positive, got {}", name, v));
    }
    // Strict mode turns node-level inference failures into errors; data propagation follows
    // what it can of shape arithmetic (ShapeFolder does the rest).
    const onnx::ShapeInferenceOptions options(false, 1, true);
    try {
      onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), options);
    } catch (const std::exception& e) {
      fail(fmt::format("ONNX shape inference failed: {}", e.what()));
    }
  }

  void collect_dims(const onnx::GraphProto& graph) {
    auto record = [&](const onnx::ValueInfoProto& info) {
      if (!info.type().has_tensor_type() || !info.type().tensor_type().has_shape()) return;
      Value& v = values_[info.name()];
      if (!v.dims) v.dims = dims_of(info.type().tensor_type().shape());
    };
    for (const auto& info : graph.input()) record(info);
    for (const auto& info : graph.value_info()) record(info);
    for (const auto& info : graph.output()) record(info);
  }

  void add_inputs(const onnx::GraphProto& graph) {
    for (const auto& input : graph.input()) {
      Value& v = values_[input.name()];
      if (v.constant) continue;
      const Dims& dims = *v.dims;
      file_batch_ = dims[0];
      std::vector<std::uint64_t> sample(dims.begin() + 1, dims.end());
      v.tensor = builder_.add_input(unique_tensor_name(input.name()), sample, {file_});
    }
  }

  std::string unique_tensor_name(std::string_view onnx_name) {
    std::string name = sanitize(onnx_name);
    for (int i = 1; builder_.find_tensor(name); ++i) name = fmt::format("{}_{}", sanitize(onnx_name), i);
    return name;
  }

  std::string unique_layer_name(const onnx::NodeProto& node, int index) {
    return unique_name_from(node.name().empty() ? fmt::format("{}_{}", node.op_type(), index) : sanitize(node.name()));
  }

  // A constant consumed as an operand becomes a weight tensor the first time it is read.
  TensorId weight(const NodeContext& n, const std::string& name) {
    Value& v = values_[name];
    if (v.tensor) return *v.tensor;
    if (!v.dims) fail(n, fmt::format("the shape of constant '{}' is unknown", name));
    std::vector<std::uint64_t> dims;
    for (const auto d : *v.dims) {
      if (d < 0) fail(n, fmt::format("the shape of constant '{}' is not fully known", name));
      dims.push_back(static_cast<std::uint64_t>(d));
    }
    v.tensor = builder_.add_weight(unique_tensor_name(name), dims, {file_});
    return *v.tensor;
  }

  const Dims& known_dims(const NodeContext& n, const std::string& name) {
    const Value& v = values_[name];
    if (!v.dims) fail(n, fmt::format("ONNX shape inference gave no shape for '{}'", name));
    for (const auto d : *v.dims)
      if (d < 0)
        fail(n, fmt::format("the shape of '{}' is not fully known ({})", name, fmt::join(*v.dims, "x")));
    return *v.dims;
  }

  std::optional<double> constant_scalar(const std::string& name) const {
    if (const auto it = initializers_.find(name); it != initializers_.end()) return scalar_of(*it->second);
    if (const auto it = constant_tensors_.find(name); it != constant_tensors_.end())
      return scalar_of(*it->second);
    return std::nullopt;
  }

  // A window from ONNX attributes; auto_pad SAME_* pads so that out = ceil(in / stride).
  Window window(const NodeContext& n, const Dims& in, std::int64_t kh, std::int64_t kw) {
    const onnx::NodeProto& node = n.node;
    Window w;
    w.kernel_h = static_cast<std::uint64_t>(kh), w.kernel_w = static_cast<std::uint64_t>(kw);
    const Dims strides = attr_ints(node, "strides").value_or(Dims{1, 1});
    const Dims dilations = attr_ints(node, "dilations").value_or(Dims{1, 1});
    const Dims pads = attr_ints(node, "pads").value_or(Dims{0, 0, 0, 0});
    if (strides.size() != 2 || dilations.size() != 2 || pads.size() != 4)
      fail(n, "expected 2-D strides, dilations and 4 pads");
    for (const auto v : {kh, kw, strides[0], strides[1], dilations[0], dilations[1]})
      if (v < 1) fail(n, "kernel, strides and dilations must be positive");
    for (const auto p : pads)
      if (p < 0) fail(n, "pads must not be negative");
    w.stride_h = static_cast<std::uint64_t>(strides[0]), w.stride_w = static_cast<std::uint64_t>(strides[1]);
    w.dilation_h = static_cast<std::uint64_t>(dilations[0]),
    w.dilation_w = static_cast<std::uint64_t>(dilations[1]);
    w.pad = {static_cast<std::uint64_t>(pads[0]), static_cast<std::uint64_t>(pads[1]),
             static_cast<std::uint64_t>(pads[2]), static_cast<std::uint64_t>(pads[3])};
    const std::string auto_pad = attr_string(node, "auto_pad", "NOTSET");
    if (auto_pad == "VALID") w.pad = {};
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      auto same = [&](std::int64_t size, std::int64_t k, std::int64_t s, std::int64_t d, bool upper) {
        const std::int64_t out = (size + s - 1) / s;
        const std::int64_t total = std::max<std::int64_t>((out - 1) * s + (k - 1) * d + 1 - size, 0);
        const auto small = static_cast<std::uint64_t>(total / 2),
                   large = static_cast<std::uint64_t>(total - total / 2);
        return upper ? std::pair{small, large} : std::pair{large, small};
      };
      const bool upper = auto_pad == "SAME_UPPER";
      std::tie(w.pad.top, w.pad.bottom) = same(in[2], kh, strides[0], dilations[0], upper);
      std::tie(w.pad.left, w.pad.right) = same(in[3], kw, strides[1], dilations[1], upper);
    }
    return w;
  }

  // Normalises a possibly negative ONNX axis of a rank-`rank` tensor to an NCHW axis.
  std::uint32_t nchw_axis(const NodeContext& n, std::int64_t axis, std::size_t rank) {
    const auto r = static_cast<std::int64_t>(rank);
    if (axis < 0) axis += r;
    if (axis < 0 || axis >= r) fail(n, fmt::format("axis {} is out of range for rank {}", axis, rank));
    if (rank == 3 && axis > 0) return axis == 1 ? 2 : 1;  // (N, L, F) is (N, F, L, 1)
    if (axis > 3) fail(n, fmt::format("axis {} of a rank-{} tensor is beyond NCHW", axis, rank));
    if (rank > 4 && axis == 3)
      fail(n, "the W axis of a tensor of rank above 4 is folded with the later axes");
    return static_cast<std::uint32_t>(axis);
  }

  void import_node(const onnx::NodeProto& node, int index) {
    std::vector<std::string> activations, constants;
    for (const auto& input : node.input()) {
      if (input.empty()) continue;  // an omitted optional input
      const auto it = values_.find(input);
      if (it == values_.end() || (!it->second.constant && !it->second.tensor))
        fail(node, index, fmt::format("reads '{}', an output this import does not produce", input));
      (it->second.constant ? constants : activations).push_back(input);
    }
    const std::string& op = node.op_type();
    if (node.output_size() == 0 || node.output(0).empty()) fail(node, index, "the node has no output");
    // Folded away: constants, and Shape, whose result is static once shapes are inferred.
    if (activations.empty() || op == "Shape") {
      for (const auto& output : node.output()) values_[output].constant = true;
      if (op == "Constant")
        if (const auto* value = find_attribute(node, "value"))
          constant_tensors_[node.output(0)] = &value->t();
      return;
    }
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      fail(node, index, fmt::format("operators of domain '{}' are not supported", node.domain()));
    if (op == "Split") return import_split({node, index, activations, constants});
    for (int i = 1; i < node.output_size(); ++i)
      if (!node.output(i).empty() && consumed_.contains(node.output(i)))
        fail(node, index,
             fmt::format("only the first output is supported, but '{}' is read", node.output(i)));

    LayerSpec spec = map_node({node, index, activations, constants});
    spec.name = unique_layer_name(node, index);
    spec.output_name = unique_tensor_name(node.output(0));
    spec.where = {file_};
    const LayerId id = builder_.add_layer(std::move(spec));
    const TensorId output = builder_.layer(id).output;
    values_[node.output(0)].tensor = output;
    check_shape(node, index, builder_.tensor(output).shape);
  }

  // A Split is one slice layer per output, named NODE_I, in output order.
  void import_split(const NodeContext& n) {
    const onnx::NodeProto& node = n.node;
    if (n.acts.size() != 1 || node.input(0) != n.acts[0]) fail(n, "expected one activation input, first");
    const Dims& in = known_dims(n, n.acts[0]);
    std::int64_t axis = attr_int(node, "axis", 0);
    if (axis < 0) axis += static_cast<std::int64_t>(in.size());
    if (axis < 1 || axis >= static_cast<std::int64_t>(in.size()))
      fail(n, fmt::format("axis {} must be a sample axis of the rank-{} input", attr_int(node, "axis", 0), in.size()));
    const std::uint32_t model_axis = nchw_axis(n, axis, in.size());
    Dims sizes = ints_from(n, "split", 1).value_or(Dims{});
    const auto outputs = static_cast<std::int64_t>(node.output_size());
    const std::int64_t length = in[static_cast<std::size_t>(axis)];
    if (sizes.empty()) {  // equal chunks of ceil(length / outputs), the last smaller (ONNX's rule)
      const std::int64_t chunk = (length + outputs - 1) / outputs;
      for (std::int64_t i = 0; i < outputs; ++i) sizes.push_back(std::clamp<std::int64_t>(length - i * chunk, 0, chunk));
    }
    std::int64_t total = 0;
    for (const auto size : sizes) {
      if (size < 1) fail(n, fmt::format("split sizes must be positive, got {}", fmt::join(sizes, ", ")));
      total += size;
    }
    if (static_cast<std::int64_t>(sizes.size()) != outputs || total != length)
      fail(n, fmt::format("split sizes [{}] do not cut the {} of axis {} into {} outputs", fmt::join(sizes, ", "),
                          length, axis, outputs));
    std::uint64_t begin = 0;
    for (int i = 0; i < node.output_size(); ++i) {
      const auto end = begin + static_cast<std::uint64_t>(sizes[static_cast<std::size_t>(i)]);
      LayerSpec spec;
      spec.inputs = {act(n.acts[0])};
      spec.op = Op::slice;
      spec.params = SliceParams{model_axis, begin, end};
      spec.name = unique_layer_name(node, n.index);
      if (node.output_size() > 1) spec.name = unique_name_from(fmt::format("{}_{}", spec.name, i));
      spec.output_name = unique_tensor_name(node.output(i));
      spec.where = {file_};
      const LayerId id = builder_.add_layer(std::move(spec));
      values_[node.output(i)].tensor = builder_.layer(id).output;
      check_shape(node, n.index, builder_.tensor(builder_.layer(id).output).shape, i);
      begin = end;
    }
  }

  std::string unique_name_from(const std::string& base) {
    std::string name = base;
    for (int i = 1; builder_.find_layer(name); ++i) name = fmt::format("{}_{}", base, i);
    return name;
  }

  // Cross-checks tetris's shape inference against ONNX's: the mapping of attributes must agree.
  void check_shape(const onnx::NodeProto& node, int index, const Shape& ours, int output = 0) {
    const Value& v = values_[node.output(output)];
    if (!v.dims || v.dims->empty()) return;
    const Dims& d = *v.dims;
    if (d[0] != file_batch_)
      fail(node, index,
           fmt::format("its output {} does not keep the batch ({}) as the leading dimension",
                       fmt::join(d, "x"), file_batch_));
    std::vector<std::uint64_t> sample;
    for (std::size_t i = 1; i < d.size(); ++i) {
      if (d[i] < 0) return;  // unknown to ONNX: nothing to compare
      sample.push_back(static_cast<std::uint64_t>(d[i]));
    }
    const auto theirs = fold_shape(ours.n, sample);
    if (!theirs || *theirs != ours)
      fail(node, index,
           fmt::format("tetris infers the output shape {}, ONNX infers {}", ours.to_string(),
                       fmt::join(d, "x")));
  }

  // Adding an operator is adding a row here (the table is sorted by name) and a handler.
  LayerSpec map_node(const NodeContext& n) {
    using Handler = LayerSpec (Importer::*)(const NodeContext&);
    struct Row {
      std::string_view op;
      Handler map;
    };
    static constexpr auto kHandlers = std::to_array<Row>({
        {"Add", &Importer::map_eltwise},
        {"AveragePool", &Importer::map_pool},
        {"BatchNormalization", &Importer::map_batch_norm},
        {"Clip", &Importer::map_clip},
        {"Concat", &Importer::map_concat},
        {"Conv", &Importer::map_conv},
        {"Div", &Importer::map_eltwise},
        {"Dropout", &Importer::map_dropout},
        {"Erf", &Importer::map_activation},
        {"Flatten", &Importer::map_flatten},
        {"Gather", &Importer::map_gather},
        {"Gemm", &Importer::map_matmul},
        {"GlobalAveragePool", &Importer::map_global_pool},
        {"Identity", &Importer::map_view},
        {"LRN", &Importer::map_lrn},
        {"LayerNormalization", &Importer::map_layer_norm},
        {"MatMul", &Importer::map_matmul},
        {"MaxPool", &Importer::map_pool},
        {"Mul", &Importer::map_eltwise},
        {"Pow", &Importer::map_pow},
        {"ReduceMean", &Importer::map_reduce_mean},
        {"Relu", &Importer::map_activation},
        {"Reshape", &Importer::map_view},
        {"Sigmoid", &Importer::map_activation},
        {"Slice", &Importer::map_slice},
        {"Softmax", &Importer::map_softmax},
        {"Sqrt", &Importer::map_activation},
        {"Squeeze", &Importer::map_view},
        {"Sub", &Importer::map_eltwise},
        {"Sum", &Importer::map_eltwise},
        {"Tanh", &Importer::map_activation},
        {"Transpose", &Importer::map_transpose},
        {"Unsqueeze", &Importer::map_view},
        {"Where", &Importer::map_where},
    });
    static_assert(std::ranges::is_sorted(kHandlers, {}, &Row::op));
    const std::string_view op = n.node.op_type();
    const auto* row = std::ranges::lower_bound(kHandlers, op, {}, &Row::op);
    if (row == kHandlers.end() || row->op != op) fail(n, "unsupported operator");
    return (this->*row->map)(n);
  }

  TensorId act(const std::string& name) { return *values_[name].tensor; }

  // A layer of the node's one activation, which must be its first input.
  LayerSpec unary_layer(const NodeContext& n) {
    if (n.acts.size() != 1 || n.node.input(0) != n.acts[0]) fail(n, "expected one activation input, first");
    LayerSpec spec;
    spec.inputs = {act(n.acts[0])};
    return spec;
  }

  std::vector<TensorId> weights_from(const NodeContext& n, int first) {
    std::vector<TensorId> w;
    for (int i = first; i < n.node.input_size(); ++i) {
      const std::string& name = n.node.input(i);
      if (name.empty()) continue;
      if (!values_[name].constant)
        fail(n, fmt::format("input {} ('{}') must be a constant (a weight)", i, name));
      w.push_back(weight(n, name));
    }
    return w;
  }

  const Dims& rank4(const NodeContext& n, const std::string& name) {
    const Dims& d = known_dims(n, name);
    if (d.size() != 4) fail(n, fmt::format("only 2-D (rank 4) inputs are supported, got rank {}", d.size()));
    return d;
  }

  LayerSpec map_conv(const NodeContext& n) {
    const onnx::NodeProto& node = n.node;
    LayerSpec spec = unary_layer(n);
    const Dims& in = rank4(n, n.acts[0]);
    if (node.input_size() < 2 || !values_[node.input(1)].constant) fail(n, "the weights must be constants");
    const Dims& w = known_dims(n, node.input(1));
    if (w.size() != 4) fail(n, "the weights must have rank 4");
    const Dims kernel = attr_ints(node, "kernel_shape").value_or(Dims{w[2], w[3]});
    if (kernel.size() != 2) fail(n, "only 2-D kernels are supported");
    ConvParams p;
    p.window = window(n, in, kernel[0], kernel[1]);
    p.out_channels = static_cast<std::uint64_t>(w[0]);
    const std::int64_t groups = attr_int(node, "group", 1);
    if (groups < 1) fail(n, "group must be positive");
    p.groups = static_cast<std::uint64_t>(groups);
    spec.weights = weights_from(n, 1);
    p.bias = spec.weights->size() > 1;
    spec.op = Op::conv, spec.params = p;
    const auto synapses = static_cast<std::uint64_t>(w[1] * w[2] * w[3]);
    set_density(spec, node.input(1), static_cast<std::uint64_t>(w[0]), synapses, synapses, 1);
    return spec;
  }

  // Gemm and MatMul of an activation by a constant matrix (rank 2: fully connected; rank 3: a
  // matmul over the features of each token), and MatMul of two rank-4 activations (attention).
  LayerSpec map_matmul(const NodeContext& n) {
    const onnx::NodeProto& node = n.node;
    if (node.op_type() == "MatMul" && n.acts.size() == 2) {
      for (const auto& a : n.acts)
        if (known_dims(n, a).size() != 4)
          fail(n, fmt::format("a product of two activations needs rank 4 ([batch, heads, rows, columns]), "
                              "'{}' has rank {}",
                              a, known_dims(n, a).size()));
      LayerSpec spec;
      spec.inputs = {act(node.input(0)), act(node.input(1))};
      spec.op = Op::matmul;
      spec.params = MatMulParams{};
      return spec;
    }
    LayerSpec spec = unary_layer(n);
    const Dims& in = known_dims(n, n.acts[0]);
    if (node.op_type() == "MatMul" && in.size() == 3) {
      if (node.input_size() < 2 || !values_[node.input(1)].constant) fail(n, "the second operand must be a constant");
      const Dims& b = known_dims(n, node.input(1));
      if (b.size() != 2) fail(n, "the weight must have rank 2");
      spec.weights = weights_from(n, 1);
      spec.op = Op::matmul;
      spec.params = MatMulParams{static_cast<std::uint64_t>(b[1]), false};
      set_density(spec, node.input(1), static_cast<std::uint64_t>(b[1]), static_cast<std::uint64_t>(b[0]), 1,
                  static_cast<std::uint64_t>(b[1]));
      return spec;
    }
    if (in.size() != 2) fail(n, fmt::format("the activation must have rank 2 or 3, got rank {}", in.size()));
    if (attr_int(node, "transA", 0) != 0) fail(n, "transA = 1 is not supported");
    if (node.input_size() < 2 || !values_[node.input(1)].constant)
      fail(n, "the second operand must be a constant (a weight)");
    const Dims& b = known_dims(n, node.input(1));
    if (b.size() != 2) fail(n, "the weight must have rank 2");
    const bool trans_b = node.op_type() == "Gemm" && attr_int(node, "transB", 0) != 0;
    spec.weights = weights_from(n, 1);
    spec.op = Op::fully_connected;
    spec.params =
        FullyConnectedParams{static_cast<std::uint64_t>(trans_b ? b[0] : b[1]), spec.weights->size() > 1};
    const auto rows = static_cast<std::uint64_t>(b[0]), columns = static_cast<std::uint64_t>(b[1]);
    if (trans_b)
      set_density(spec, node.input(1), rows, columns, columns, 1);
    else
      set_density(spec, node.input(1), columns, rows, 1, columns);
    return spec;
  }

  // The layer's pruning, measured from its weight's zeros (the options' default when the file
  // holds no float data for it).
  void set_density(LayerSpec& spec, const std::string& weight, std::uint64_t outputs, std::uint64_t synapses,
                   std::uint64_t out_stride, std::uint64_t synapse_stride) const {
    const auto it = initializers_.find(weight);
    if (it == initializers_.end()) return;
    if (const auto d = measured_density(*it->second, outputs, synapses, out_stride, synapse_stride))
      spec.density = d->first, spec.busiest_density = d->second;
  }

  LayerSpec map_pool(const NodeContext& n) {
    LayerSpec spec = unary_layer(n);
    const Dims& in = rank4(n, n.acts[0]);
    const auto kernel = attr_ints(n.node, "kernel_shape");
    if (!kernel || kernel->size() != 2) fail(n, "kernel_shape must give 2 dimensions");
    spec.op = n.node.op_type() == "MaxPool" ? Op::max_pool : Op::avg_pool;
    spec.params =
        PoolParams{window(n, in, (*kernel)[0], (*kernel)[1]), attr_int(n.node, "ceil_mode", 0) != 0};
    return spec;
  }

  LayerSpec map_global_pool(const NodeContext& n) {
    LayerSpec spec = unary_layer(n);
    rank4(n, n.acts[0]);
    spec.op = Op::global_avg_pool;
    return spec;
  }

  LayerSpec map_activation(const NodeContext& n) {
    LayerSpec spec = unary_layer(n);
    const std::string& op = n.node.op_type();
    spec.op = op == "Relu"  ? Op::relu
              : op == "Erf"  ? Op::erf
              : op == "Tanh" ? Op::tanh
              : op == "Sqrt" ? Op::sqrt
                             : Op::sigmoid;
    return spec;
  }

  LayerSpec map_pow(const NodeContext& n) {
    LayerSpec spec = unary_layer(n);
    const std::optional<double> exponent =
        n.node.input_size() > 1 ? constant_scalar(n.node.input(1)) : std::optional<double>{};
    if (!exponent) fail(n, "the exponent must be a scalar constant");
    spec.op = Op::pow;
    spec.params = PowParams{*exponent};
    return spec;
  }

  // The one integer list a node takes from an attribute (older opsets) or a constant input.
  std::optional<Dims> ints_from(const NodeContext& n, std::string_view attribute, int input) {
    if (auto values = attr_ints(n.node, attribute)) return values;
    if (input >= n.node.input_size() || n.node.input(input).empty()) return std::nullopt;
    const std::string& name = n.node.input(input);
    const onnx::TensorProto* t = nullptr;
    if (const auto it = initializers_.find(name); it != initializers_.end()) t = it->second;
    if (const auto it = constant_tensors_.find(name); it != constant_tensors_.end()) t = it->second;
    const std::optional<IntValue> v = t ? ints_of(*t) : std::nullopt;
    if (!v) fail(n, fmt::format("input {} ('{}') must be a constant list of integers", input, name));
    return v->values;
  }

  // The one axis of a reduction or normalisation, which must be the last (the feature axis).
  std::uint32_t last_axis(const NodeContext& n, std::int64_t axis, std::size_t rank) {
    if (axis < 0) axis += static_cast<std::int64_t>(rank);
    if (axis != static_cast<std::int64_t>(rank) - 1)
      fail(n, fmt::format("only the last axis ({}) is supported, got {}", rank - 1, axis));
    return nchw_axis(n, axis, rank);
  }

  LayerSpec map_layer_norm(const NodeContext& n) {
    LayerSpec spec = unary_layer(n);
    const std::size_t rank = known_dims(n, n.acts[0]).size();
    spec.op = Op::layer_norm;
    spec.params = AxisParams{last_axis(n, attr_int(n.node, "axis", -1), rank)};
    spec.weights = weights_from(n, 1);
    return spec;
  }

  LayerSpec map_reduce_mean(const NodeContext& n) {
    LayerSpec spec = unary_layer(n);
    const std::size_t rank = known_dims(n, n.acts[0]).size();
    const std::optional<Dims> axes = ints_from(n, "axes", 1);
    if (!axes || axes->size() != 1) fail(n, "exactly one axis is supported");
    if (attr_int(n.node, "keepdims", 1) != 1) fail(n, "only keepdims = 1 is supported");
    spec.op = Op::reduce_mean;
    spec.params = AxisParams{last_axis(n, (*axes)[0], rank)};
    return spec;
  }

  // Slice of one sample axis with step 1.
  LayerSpec map_slice(const NodeContext& n) {
    LayerSpec spec = unary_layer(n);
    const Dims& in = known_dims(n, n.acts[0]);
    const std::optional<Dims> starts = ints_from(n, "starts", 1), ends = ints_from(n, "ends", 2);
    Dims axes = ints_from(n, "axes", 3).value_or(Dims{});
    const Dims steps = ints_from(n, "steps", 4).value_or(Dims{1});
    if (!starts || !ends || starts->size() != 1 || ends->size() != 1)
      fail(n, "exactly one sliced axis (constant starts and ends) is supported");
    if (steps.size() != 1 || steps[0] != 1) fail(n, "only step 1 is supported");
    std::int64_t axis = axes.empty() ? 0 : axes[0];
    const auto rank = static_cast<std::int64_t>(in.size());
    if (axis < 0) axis += rank;
    if (axis < 1 || axis >= rank) fail(n, "the sliced axis must be a sample axis");
    const std::int64_t length = in[static_cast<std::size_t>(axis)];
    auto clamp = [&](std::int64_t v) { return std::clamp<std::int64_t>(v < 0 ? v + length : v, 0, length); };
    const std::int64_t begin = clamp((*starts)[0]), end = clamp((*ends)[0]);
    if (begin >= end) fail(n, fmt::format("the slice [{}, {}) of axis {} is empty", begin, end, axis));
    spec.op = Op::slice;
    spec.params = SliceParams{nchw_axis(n, axis, in.size()), static_cast<std::uint64_t>(begin),
                              static_cast<std::uint64_t>(end)};
    return spec;
  }

  // Gather: of a constant table by activation indices (an embedding lookup), or of an activation
  // by constant indices that form one ascending run (token selection: a slice).
  LayerSpec map_gather(const NodeContext& n) {
    const onnx::NodeProto& node = n.node;
    LayerSpec spec;
    if (values_[node.input(0)].constant) {
      const Dims& table = known_dims(n, node.input(0));
      const Dims& indices = known_dims(n, n.acts[0]);
      if (attr_int(node, "axis", 0) != 0 || table.size() != 2)
        fail(n, "an embedding lookup gathers rows (axis 0) of a rank-2 table");
      if (indices.size() != 2) fail(n, fmt::format("the indices must be [batch, length], got rank {}", indices.size()));
      spec.inputs = {act(n.acts[0])};
      spec.weights = std::vector<TensorId>{weight(n, node.input(0))};
      spec.op = Op::embedding;
      spec.params = EmbeddingParams{static_cast<std::uint64_t>(table[0]), static_cast<std::uint64_t>(table[1])};
      return spec;
    }
    spec = unary_layer(n);
    const Dims& in = known_dims(n, n.acts[0]);
    std::int64_t axis = attr_int(node, "axis", 0);
    if (axis < 0) axis += static_cast<std::int64_t>(in.size());
    if (axis < 1 || axis >= static_cast<std::int64_t>(in.size())) fail(n, "the gathered axis must be a sample axis");
    const Dims indices = ints_from(n, "", 1).value_or(Dims{});
    const std::int64_t length = in[static_cast<std::size_t>(axis)];
    Dims run;
    for (const auto i : indices) run.push_back(i < 0 ? i + length : i);
    if (run.empty() || std::any_of(run.begin(), run.end(), [&](std::int64_t i) { return i < 0 || i >= length; }) ||
        std::adjacent_find(run.begin(), run.end(), [](auto a, auto b) { return b != a + 1; }) != run.end())
      fail(n, fmt::format("the indices [{}] must be one ascending run of axis {} (length {})", fmt::join(indices, ", "),
                          axis, length));
    spec.op = Op::slice;
    spec.params = SliceParams{nchw_axis(n, axis, in.size()), static_cast<std::uint64_t>(run[0]),
                              static_cast<std::uint64_t>(run.back() + 1)};
    return spec;
  }

  // Where(constant condition, activation, constant): a select of each element by a fixed mask.
  LayerSpec map_where(const NodeContext& n) {
    const onnx::NodeProto& node = n.node;
    if (node.input_size() != 3 || n.acts.size() != 1 || node.input(1) != n.acts[0])
      fail(n, "only Where(constant condition, activation, constant) is supported");
    // The mask must cover the scores' last two axes, shared by the others (as exporters write a
    // causal mask: [1, 1, L, L]); the lowering reads it so.
    const Dims& scores = known_dims(n, n.acts[0]);
    const Dims& mask = known_dims(n, node.input(0));
    const std::size_t r = scores.size();
    bool fits = r == 4 && mask.size() >= 2 && mask.size() <= 4 && mask[mask.size() - 1] == scores[r - 1] &&
                mask[mask.size() - 2] == scores[r - 2];
    for (std::size_t i = 0; fits && i + 2 < mask.size(); ++i) fits = mask[i] == 1;
    if (!fits)
      fail(n, fmt::format("the condition {} must be a mask over the last two axes of the rank-4 scores {} "
                          "([1, 1, L, L], [1, L, L] or [L, L])",
                          fmt::join(mask, "x"), fmt::join(scores, "x")));
    LayerSpec spec;
    spec.inputs = {act(n.acts[0])};
    spec.weights = std::vector<TensorId>{weight(n, node.input(0)), weight(n, node.input(2))};
    spec.op = Op::where;
    return spec;
  }

  LayerSpec map_clip(const NodeContext& n) {
    const onnx::NodeProto& node = n.node;
    LayerSpec spec = unary_layer(n);
    // Opset 11 moved the bounds from attributes to constant inputs.
    std::optional<double> low = attr_float(node, "min", -3.4028234663852886e38f);
    std::optional<double> high = attr_float(node, "max", 3.4028234663852886e38f);
    if (node.input_size() > 1 && !node.input(1).empty()) low = constant_scalar(node.input(1));
    if (node.input_size() > 2 && !node.input(2).empty()) high = constant_scalar(node.input(2));
    if (!low || !high) fail(n, "the bounds must be scalar constants");
    if (*low == 0 && *high == 6)
      spec.op = Op::relu6;
    else if (*low == 0 && *high > 1e38)
      spec.op = Op::relu;
    else
      fail(n, fmt::format("only Clip(0, 6) (ReLU6) and Clip(0, inf) (ReLU) are supported, got ({}, {})", *low,
                          *high));
    return spec;
  }

  LayerSpec map_batch_norm(const NodeContext& n) {
    LayerSpec spec = unary_layer(n);
    spec.weights = weights_from(n, 1);
    if (spec.weights->size() != 4) fail(n, "expected scale, bias, mean and variance constants");
    spec.op = Op::batch_norm;
    spec.params = BatchNormParams{attr_float(n.node, "epsilon", 1e-5f)};
    return spec;
  }

  // Add, Sum, Sub, Mul and Div: of activations alike, or of an activation and a constant.
  LayerSpec map_eltwise(const NodeContext& n) {
    const std::string& op = n.node.op_type();
    const bool adds = op == "Add" || op == "Sum" || op == "Sub";
    LayerSpec spec;
    if (n.consts.empty() && n.acts.size() >= 2 && ((op != "Sub" && op != "Div") || n.acts.size() == 2)) {
      const std::size_t rank = known_dims(n, n.acts[0]).size();
      for (const auto& a : n.acts) {
        if (known_dims(n, a).size() != rank)
          fail(n, "broadcasting between activations of different ranks is not supported");
        spec.inputs.push_back(act(a));
      }
      spec.op = op == "Sub" ? Op::sub : op == "Div" ? Op::div : adds ? Op::add : Op::mul;
    } else if (n.acts.size() == 1 && n.consts.size() == 1 &&
               (n.node.input(0) == n.acts[0] || op == "Add" || op == "Mul")) {
      // An activation with a constant operand: a (per-channel or broadcast) bias or scale.
      spec.inputs = {act(n.acts[0])};
      spec.weights = std::vector<TensorId>{weight(n, n.consts[0])};
      spec.op = adds ? Op::bias : Op::scale;
      if (!adds) spec.params = ScaleParams{false};
    } else {
      fail(n, fmt::format("{} activation and {} constant operands are not supported", n.acts.size(),
                          n.consts.size()));
    }
    return spec;
  }

  // A constant operand (ViT's class token) becomes a `constant` layer of its own, written into
  // its slot of the output like any operand.
  LayerSpec map_concat(const NodeContext& n) {
    LayerSpec spec;
    for (int i = 0; i < n.node.input_size(); ++i) {
      const std::string& name = n.node.input(i);
      if (name.empty()) continue;
      if (!values_[name].constant) {
        spec.inputs.push_back(act(name));
        continue;
      }
      const Dims& dims = known_dims(n, name);
      if (dims.empty() || dims[0] != 1)
        fail(n, fmt::format("a constant operand must hold one sample ([1, ...]), '{}' is {}", name,
                            fmt::join(dims, "x")));
      LayerSpec constant;
      constant.op = Op::constant;
      constant.params = ConstantParams{options_.batch, std::vector<std::uint64_t>(dims.begin() + 1, dims.end())};
      constant.weights = std::vector<TensorId>{weight(n, name)};
      constant.name = unique_name_from(fmt::format("{}_{}", unique_layer_name(n.node, n.index), sanitize(name)));
      constant.output_name = unique_tensor_name(fmt::format("{}_value", name));
      constant.where = {file_};
      spec.inputs.push_back(builder_.layer(builder_.add_layer(std::move(constant))).output);
    }
    const auto* axis = find_attribute(n.node, "axis");
    if (!axis) fail(n, "the axis attribute is required");
    spec.op = Op::concat;
    spec.params = AxisParams{nchw_axis(n, axis->i(), known_dims(n, n.acts[0]).size())};
    return spec;
  }

  LayerSpec map_lrn(const NodeContext& n) {
    const onnx::NodeProto& node = n.node;
    LayerSpec spec = unary_layer(n);
    const std::int64_t size = attr_int(node, "size", 0);
    if (size < 1) fail(n, "size must be positive");
    spec.op = Op::lrn;
    spec.params = LrnParams{static_cast<std::uint64_t>(size), attr_float(node, "alpha", 1e-4f),
                            attr_float(node, "beta", 0.75f), attr_float(node, "bias", 1.0f)};
    return spec;
  }

  LayerSpec map_softmax(const NodeContext& n) {
    LayerSpec spec = unary_layer(n);
    const std::size_t rank = known_dims(n, n.acts[0]).size();
    spec.op = Op::softmax;
    spec.params = AxisParams{nchw_axis(n, attr_int(n.node, "axis", opset_ < 13 ? 1 : -1), rank)};
    return spec;
  }

  LayerSpec map_flatten(const NodeContext& n) {
    LayerSpec spec = unary_layer(n);
    if (attr_int(n.node, "axis", 1) != 1) fail(n, "only axis = 1 (keep the batch) is supported");
    spec.op = Op::flatten;
    return spec;
  }

  // Reshape, Squeeze, Unsqueeze and Identity: a new view, to the shape ONNX inferred.
  LayerSpec map_view(const NodeContext& n) {
    LayerSpec spec = unary_layer(n);
    const Dims& out = known_dims(n, n.node.output(0));
    if (out.empty() || out[0] != file_batch_)
      fail(n, fmt::format("the output {} does not keep the batch ({}) as the leading dimension",
                          fmt::join(out, "x"), file_batch_));
    ReshapeParams p;
    p.shape.assign(out.begin() + 1, out.end());
    if (p.shape.empty()) p.shape = {1};
    spec.op = Op::reshape, spec.params = p;
    return spec;
  }

  LayerSpec map_transpose(const NodeContext& n) {
    LayerSpec spec = unary_layer(n);
    const Dims& in = known_dims(n, n.acts[0]);
    Dims perm = attr_ints(n.node, "perm").value_or(Dims{});
    if (perm.empty())
      for (std::size_t i = in.size(); i-- > 0;) perm.push_back(static_cast<std::int64_t>(i));
    if (perm.size() != in.size() || perm[0] != 0)
      fail(n, fmt::format("perm [{}] must keep the batch axis first", fmt::join(perm, ", ")));
    TransposeParams p;
    for (const auto a : perm) {
      if (a < 0 || a >= static_cast<std::int64_t>(in.size())) fail(n, "perm is not a permutation");
      p.perm.push_back(static_cast<std::uint32_t>(a));
    }
    p.sample_dims.assign(in.begin() + 1, in.end());
    spec.op = Op::transpose, spec.params = p;
    return spec;
  }

  LayerSpec map_dropout(const NodeContext& n) {
    LayerSpec spec = unary_layer(n);
    spec.op = Op::dropout;
    spec.params = DropoutParams{attr_float(n.node, "ratio", 0.5f)};
    return spec;
  }

  std::string file_;
  ModelOptions options_;
  ModelBuilder builder_;
  std::int64_t opset_ = 1;
  std::int64_t file_batch_ = 1;
  std::unordered_map<std::string, Value> values_;
  std::unordered_map<std::string, const onnx::TensorProto*> initializers_;
  std::unordered_map<std::string, const onnx::TensorProto*> constant_tensors_;
  std::unordered_set<std::string> consumed_;
};

}  // namespace

Model import_onnx(std::string_view bytes, std::string_view file_label, const ModelOptions& options) {
  onnx::ModelProto model;
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
      !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    throw InputError({std::string(file_label)},
                     "not an ONNX model: the protobuf does not parse (truncated, or another kind of file)");
  return Importer(file_label, options).run(model);
}

Model import_onnx_file(const std::string& path, const ModelOptions& options) {
  return import_onnx(read_text_file(path), path, options);
}

}  // namespace tetris::workloads
