#include "workloads/model_yaml.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>
#include <span>

#include "common/input_error.h"
#include "workloads/builtin_models.h"
#include "workloads/model_builder.h"

namespace tetris::workloads {
namespace {

using Keys = std::span<const std::string_view>;

constexpr std::string_view kTopKeys[] = {"name", "description", "input", "layers", "base", "density"};
constexpr std::string_view kInputKeys[] = {"name", "shape"};
// Every layer may have these; the op decides the rest (op_keys).
constexpr std::string_view kLayerKeys[] = {"name", "op", "input", "inputs"};

constexpr std::string_view kConvKeys[] = {"out", "kernel", "stride", "pad", "dilation", "groups", "bias", "density"};
constexpr std::string_view kFcKeys[] = {"out", "bias", "density"};
constexpr std::string_view kPoolKeys[] = {"kernel", "stride", "pad", "dilation", "ceil_mode"};
constexpr std::string_view kBatchNormKeys[] = {"epsilon"};
constexpr std::string_view kScaleKeys[] = {"bias"};
constexpr std::string_view kAxisKeys[] = {"axis"};
constexpr std::string_view kLrnKeys[] = {"size", "alpha", "beta", "k"};
constexpr std::string_view kReshapeKeys[] = {"shape"};
constexpr std::string_view kTransposeKeys[] = {"perm"};
constexpr std::string_view kDropoutKeys[] = {"ratio"};
constexpr std::string_view kMatMulKeys[] = {"out", "bias", "density"};
constexpr std::string_view kEmbeddingKeys[] = {"rows", "features"};
constexpr std::string_view kSliceKeys[] = {"axis", "begin", "end", "from_end"};
constexpr std::string_view kPowKeys[] = {"exponent"};
constexpr std::string_view kConstantKeys[] = {"shape"};

Keys op_keys(Op op) {
  switch (op) {
    case Op::conv:
      return kConvKeys;
    case Op::fully_connected:
      return kFcKeys;
    case Op::max_pool:
    case Op::avg_pool:
      return kPoolKeys;
    case Op::batch_norm:
      return kBatchNormKeys;
    case Op::scale:
      return kScaleKeys;
    case Op::concat:
    case Op::softmax:
    case Op::layer_norm:
    case Op::reduce_mean:
      return kAxisKeys;
    case Op::matmul:
      return kMatMulKeys;
    case Op::embedding:
      return kEmbeddingKeys;
    case Op::slice:
      return kSliceKeys;
    case Op::pow:
      return kPowKeys;
    case Op::constant:
      return kConstantKeys;
    case Op::lrn:
      return kLrnKeys;
    case Op::reshape:
      return kReshapeKeys;
    case Op::transpose:
      return kTransposeKeys;
    case Op::dropout:
      return kDropoutKeys;
    default:
      return {};
  }
}

bool contains(Keys keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::string all_op_names() {
  std::vector<std::string_view> names;
  for (std::size_t i = 0; i < kOpCount; ++i) names.push_back(to_string(static_cast<Op>(i)));
  return fmt::format("{}", fmt::join(names, ", "));
}

// Reads one file; `where` and `fail` put the file, line and layer into every message.
class Reader {
 public:
  explicit Reader(std::string_view file) : file_(file) {}

  SourceLocation where(const YAML::Node& node) const {
    const YAML::Mark mark = node.Mark();
    if (mark.line < 0) return {file_};
    return {file_, static_cast<std::uint64_t>(mark.line) + 1, static_cast<std::uint64_t>(mark.column) + 1};
  }

  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const {
    throw InputError(where(node), context_ + message);
  }

  void set_context(std::string context) { context_ = std::move(context); }

  // Checks that `map` is a mapping whose keys are all in one of `allowed` and appear once.
  void check_keys(const YAML::Node& map, std::string_view what, std::initializer_list<Keys> allowed) const {
    if (!map.IsMap()) fail(map, fmt::format("{} must be a mapping of keys", what));
    std::vector<std::string> seen;
    for (const auto& entry : map) {
      const std::string key = entry.first.Scalar();
      if (std::find(seen.begin(), seen.end(), key) != seen.end())
        fail(entry.first, fmt::format("duplicate key '{}'", key));
      seen.push_back(key);
      if (std::any_of(allowed.begin(), allowed.end(), [&](Keys keys) { return contains(keys, key); }))
        continue;
      std::vector<std::string_view> known;
      for (Keys keys : allowed) known.insert(known.end(), keys.begin(), keys.end());
      fail(entry.first,
           fmt::format("unknown key '{}' in {} (known here: {})", key, what, fmt::join(known, ", ")));
    }
  }

  std::string text(const YAML::Node& node, std::string_view key) const {
    if (!node.IsScalar()) fail(node, fmt::format("'{}' must be a single value", key));
    return node.Scalar();
  }

  std::uint64_t positive(const YAML::Node& node, std::string_view key, std::uint64_t min = 1) const {
    const std::string value = text(node, key);
    std::uint64_t result = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), result);
    if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() || result < min)
      fail(node, fmt::format("'{}' must be an integer of at least {}, got '{}'", key, min, value));
    return result;
  }

  std::int64_t integer(const YAML::Node& node, std::string_view key) const {
    const std::string value = text(node, key);
    std::int64_t result = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), result);
    if (value.empty() || ec != std::errc() || ptr != value.data() + value.size())
      fail(node, fmt::format("'{}' entries must be integers, got '{}'", key, value));
    return result;
  }

  double number(const YAML::Node& node, std::string_view key) const {
    const std::string value = text(node, key);
    double result = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), result);
    if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() || !(result >= 0))
      fail(node, fmt::format("'{}' must be a non-negative number, got '{}'", key, value));
    return result;
  }

  bool boolean(const YAML::Node& node, std::string_view key) const {
    const std::string value = text(node, key);
    if (value == "true") return true;
    if (value == "false") return false;
    fail(node, fmt::format("'{}' must be true or false, got '{}'", key, value));
  }

  // A list of `count` values (count 0: any non-empty length).
  std::vector<YAML::Node> list(const YAML::Node& node, std::string_view key, std::size_t count = 0) const {
    if (!node.IsSequence() || node.size() == 0 || (count != 0 && node.size() != count))
      fail(node, count ? fmt::format("'{}' must be a list of {} values", key, count)
                       : fmt::format("'{}' must be a non-empty list", key));
    return {node.begin(), node.end()};
  }

  // `kernel: 3` or `kernel: [3, 5]` (H, W).
  std::pair<std::uint64_t, std::uint64_t> pair(const YAML::Node& node, std::string_view key,
                                               std::uint64_t min) const {
    if (node.IsScalar()) {
      const std::uint64_t v = positive(node, key, min);
      return {v, v};
    }
    if (!node.IsSequence() || node.size() != 2)
      fail(node, fmt::format("'{}' must be an integer or a list [H, W]", key));
    return {positive(node[0], key, min), positive(node[1], key, min)};
  }

  // `pad: 1`, `pad: [1, 2]` (H, W) or `pad: [top, left, bottom, right]` (ONNX's order).
  Padding padding(const YAML::Node& node) const {
    if (node.IsSequence() && node.size() == 4)
      return {positive(node[0], "pad", 0), positive(node[1], "pad", 0), positive(node[2], "pad", 0),
              positive(node[3], "pad", 0)};
    if (node.IsSequence() && node.size() != 2)
      fail(node, "'pad' must be an integer, [H, W] or [top, left, bottom, right]");
    const auto [h, w] = pair(node, "pad", 0);
    return {h, w, h, w};
  }

 private:
  std::string file_;
  std::string context_;
};

Window read_window(const Reader& r, const YAML::Node& layer) {
  Window w;
  if (!layer["kernel"]) r.fail(layer, "'kernel' is required");
  std::tie(w.kernel_h, w.kernel_w) = r.pair(layer["kernel"], "kernel", 1);
  if (layer["stride"]) std::tie(w.stride_h, w.stride_w) = r.pair(layer["stride"], "stride", 1);
  if (layer["dilation"]) std::tie(w.dilation_h, w.dilation_w) = r.pair(layer["dilation"], "dilation", 1);
  if (layer["pad"]) w.pad = r.padding(layer["pad"]);
  return w;
}

LayerParams read_params(const Reader& r, Op op, const YAML::Node& layer) {
  auto flag = [&](std::string_view key, bool fallback) {
    const YAML::Node node = layer[std::string(key)];
    return node ? r.boolean(node, key) : fallback;
  };
  auto required = [&](std::string_view key) {
    const YAML::Node node = layer[std::string(key)];
    if (!node) r.fail(layer, fmt::format("'{}' is required", key));
    return node;
  };
  switch (op) {
    case Op::conv: {
      ConvParams p;
      p.window = read_window(r, layer);
      p.out_channels = r.positive(required("out"), "out");
      if (layer["groups"]) p.groups = r.positive(layer["groups"], "groups");
      p.bias = flag("bias", true);
      return p;
    }
    case Op::fully_connected:
      return FullyConnectedParams{r.positive(required("out"), "out"), flag("bias", true)};
    case Op::max_pool:
    case Op::avg_pool:
      return PoolParams{read_window(r, layer), flag("ceil_mode", false)};
    case Op::batch_norm: {
      BatchNormParams p;
      if (layer["epsilon"]) p.epsilon = r.number(layer["epsilon"], "epsilon");
      return p;
    }
    case Op::scale:
      return ScaleParams{flag("bias", true)};
    case Op::matmul: {
      MatMulParams p;
      if (layer["out"]) p.out_features = r.positive(layer["out"], "out");
      p.bias = flag("bias", false);
      if (p.bias && p.out_features == 0) r.fail(layer["bias"], "'bias' needs 'out' (a weight matrix)");
      return p;
    }
    case Op::embedding:
      return EmbeddingParams{r.positive(required("rows"), "rows"), r.positive(required("features"), "features")};
    case Op::slice: {
      SliceParams p;
      const std::uint64_t axis = r.positive(required("axis"), "axis", 0);
      if (axis < 1 || axis > 3) r.fail(layer["axis"], fmt::format("'axis' must be 1 to 3 (C, H, W), got {}", axis));
      p.axis = static_cast<std::uint32_t>(axis);
      p.from_end = flag("from_end", false);
      p.begin = r.positive(required("begin"), "begin", p.from_end ? 1 : 0);
      p.end = r.positive(required("end"), "end", p.from_end ? 0 : 1);
      return p;
    }
    case Op::pow: {
      PowParams p;
      if (layer["exponent"]) p.exponent = r.number(layer["exponent"], "exponent");
      return p;
    }
    case Op::concat:
    case Op::softmax:
    case Op::layer_norm:
    case Op::reduce_mean: {
      AxisParams p;
      if (layer["axis"]) {
        const std::uint64_t axis = r.positive(layer["axis"], "axis", 0);
        if (axis > 3) r.fail(layer["axis"], fmt::format("'axis' must be 0 to 3 (N, C, H, W), got {}", axis));
        p.axis = static_cast<std::uint32_t>(axis);
      }
      return p;
    }
    case Op::lrn: {
      LrnParams p;
      p.size = r.positive(required("size"), "size");
      if (layer["alpha"]) p.alpha = r.number(layer["alpha"], "alpha");
      if (layer["beta"]) p.beta = r.number(layer["beta"], "beta");
      if (layer["k"]) p.k = r.number(layer["k"], "k");
      return p;
    }
    case Op::reshape: {
      ReshapeParams p;
      for (const auto& d : r.list(required("shape"), "shape")) p.shape.push_back(r.integer(d, "shape"));
      return p;
    }
    case Op::transpose: {
      TransposeParams p;
      for (const auto& a : r.list(required("perm"), "perm"))
        p.perm.push_back(
            static_cast<std::uint32_t>(std::min<std::uint64_t>(r.positive(a, "perm", 0), 1u << 16)));
      return p;
    }
    case Op::dropout: {
      DropoutParams p;
      if (layer["ratio"]) p.ratio = r.number(layer["ratio"], "ratio");
      if (p.ratio >= 1) r.fail(layer["ratio"], "'ratio' must be below 1");
      return p;
    }
    default:
      return std::monostate{};
  }
}

struct LayerName {
  std::string name;
  SourceLocation where;
};

class ModelReader {
 public:
  ModelReader(std::string_view file, const ModelOptions& options)
      : r_(file), file_(file), options_(options) {}

  Model read(std::string_view text) {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
      throw InputError(
          {file_, static_cast<std::uint64_t>(e.mark.line) + 1, static_cast<std::uint64_t>(e.mark.column) + 1},
          fmt::format("malformed YAML: {}", e.msg));
    }
    if (!root.IsMap()) r_.fail(root, "a model must be a mapping with 'input' and 'layers'");
    r_.check_keys(root, "the model", {kTopKeys});
    std::string name = std::filesystem::path(file_).stem().string();
    if (root["name"]) name = r_.text(root["name"], "name");
    if (root["base"]) {
      // Another zoo model with pruned layers: its input and layers, these densities.
      if (root["input"] || root["layers"])
        r_.fail(root["base"], "a model with 'base' takes its input and layers from the base model");
      const std::string base = r_.text(root["base"], "base");
      const auto text = builtin_model_text(base);
      if (!text)
        r_.fail(root["base"], fmt::format("'base' must name a built-in model ({}), got '{}'",
                                          fmt::join(builtin_model_names(), ", "), base));
      if (!root["density"] || !root["density"].IsMap())
        r_.fail(root["base"], "'density' must map layer names to their share of nonzero weights");
      for (const auto& entry : root["density"])
        densities_[r_.text(entry.first, "density")] = {r_.number(entry.second, "density"), entry.first};
      const YAML::Node base_root = YAML::Load(std::string(*text));
      if (!base_root["input"] || !base_root["layers"])
        r_.fail(root["base"], fmt::format("'{}' has no input and layers of its own (a pruned model itself?): "
                                          "name the dense model",
                                          base));
      root["input"] = base_root["input"];
      root["layers"] = base_root["layers"];
    } else if (root["density"]) {
      r_.fail(root["density"], "a top-level 'density' needs 'base'; give a layer of this file its own 'density'");
    }
    if (!root["input"])
      r_.fail(root, "'input' is required: its name and the shape of one sample, e.g. [3, 224, 224]");
    if (!root["layers"] || !root["layers"].IsSequence() || root["layers"].size() == 0)
      r_.fail(root["layers"] ? root["layers"] : root, "'layers' must be a non-empty list of layers");

    ModelBuilder builder(name, file_, options_);
    const TensorId input = read_input(root["input"], builder);
    collect_layer_names(root["layers"]);
    std::optional<TensorId> previous = input;
    for (const auto& layer : root["layers"]) previous = read_layer(layer, *previous, builder);
    for (const auto& [layer, entry] : densities_)
      if (!builder.find_layer(layer)) r_.fail(entry.second, fmt::format("the base model has no layer '{}'", layer));
    builder.mark_unread_outputs();
    return std::move(builder).build();
  }

 private:
  TensorId read_input(const YAML::Node& node, ModelBuilder& builder) {
    r_.check_keys(node, "'input'", {kInputKeys});
    const std::string name = node["name"] ? r_.text(node["name"], "name") : "data";
    if (!node["shape"])
      r_.fail(node, "'input' needs 'shape', the dimensions of one sample, e.g. [3, 224, 224]");
    std::vector<std::uint64_t> dims;
    for (const auto& d : r_.list(node["shape"], "shape")) dims.push_back(r_.positive(d, "shape"));
    if (options_.sequence != 0) {
      if (dims.size() != 1)
        throw InputError({"--seq"}, fmt::format("{}: the input of this model is {} per sample, not a sequence of "
                                                "tokens ([LENGTH]); --seq applies to transformer models",
                                                file_, fmt::join(dims, " x ")));
      dims[0] = options_.sequence;
    }
    return builder.add_input(name, dims, r_.where(node));
  }

  // Every layer's name and line, so a reference to a later layer is told apart from a typo.
  void collect_layer_names(const YAML::Node& layers) {
    for (const auto& layer : layers)
      if (layer.IsMap() && layer["name"] && layer["name"].IsScalar())
        all_names_.emplace(layer["name"].Scalar(), r_.where(layer));
  }

  TensorId resolve(const YAML::Node& node, const ModelBuilder& builder) {
    const std::string name = r_.text(node, "input");
    if (const auto id = builder.find_tensor(name)) {
      if (builder.tensor(*id).kind == TensorKind::weight)
        r_.fail(node, fmt::format("input '{}' is a weight, not a layer's output", name));
      return *id;
    }
    if (const auto it = all_names_.find(name); it != all_names_.end())
      r_.fail(node, fmt::format("input '{}' refers forward to the layer at line {}: layers must be listed "
                                "in topological order, so a cycle cannot be written",
                                name, it->second.line));
    r_.fail(node, fmt::format("unknown input '{}': no earlier layer or input has that name", name));
  }

  TensorId read_layer(const YAML::Node& layer, TensorId previous, ModelBuilder& builder) {
    r_.set_context("");
    if (!layer.IsMap()) r_.fail(layer, "each layer must be a mapping with 'name' and 'op'");
    if (!layer["name"]) r_.fail(layer, "the layer has no 'name'");
    const std::string name = r_.text(layer["name"], "name");
    if (builder.find_layer(name))
      r_.fail(layer["name"], fmt::format("duplicate layer name '{}' (first used at line {})", name,
                                         all_names_.find(name)->second.line));
    if (!is_valid_name(name))
      r_.fail(layer["name"], fmt::format("layer name '{}' must be one word of UTF-8 text without spaces or '#'", name));
    r_.set_context(fmt::format("layer '{}': ", name));
    if (!layer["op"]) r_.fail(layer, fmt::format("'op' is required (one of: {})", all_op_names()));
    const std::string op_text = r_.text(layer["op"], "op");
    const auto op = parse_op(op_text);
    if (!op) r_.fail(layer["op"], fmt::format("unknown op '{}' (known: {})", op_text, all_op_names()));
    r_.check_keys(layer, fmt::format("a {} layer", op_text), {kLayerKeys, op_keys(*op)});

    LayerSpec spec;
    spec.name = name;
    spec.op = *op;
    spec.where = r_.where(layer);
    if (layer["input"] && layer["inputs"]) r_.fail(layer["inputs"], "give 'input' or 'inputs', not both");
    if (*op == Op::constant) {  // reads no activation: a weight per sample
      if (layer["input"] || layer["inputs"]) r_.fail(layer, "a constant reads no input");
      ConstantParams p{options_.batch, {}};
      if (!layer["shape"]) r_.fail(layer, "'shape' is required: the dimensions of one sample's value");
      for (const auto& d : r_.list(layer["shape"], "shape")) p.sample_dims.push_back(r_.positive(d, "shape"));
      spec.params = p;
      return builder.layer(builder.add_layer(std::move(spec))).output;
    }
    if (layer["input"]) {
      spec.inputs.push_back(resolve(layer["input"], builder));
    } else if (layer["inputs"]) {
      for (const auto& in : r_.list(layer["inputs"], "inputs")) spec.inputs.push_back(resolve(in, builder));
    } else {
      spec.inputs.push_back(previous);  // the common case: a chain
    }
    spec.params = read_params(r_, *op, layer);
    if (layer["density"]) spec.density = r_.number(layer["density"], "density");
    if (const auto it = densities_.find(name); it != densities_.end()) spec.density = it->second.first;
    return builder.layer(builder.add_layer(std::move(spec))).output;
  }

  Reader r_;
  std::string file_;
  ModelOptions options_;
  std::map<std::string, SourceLocation> all_names_;
  std::map<std::string, std::pair<double, YAML::Node>> densities_;  // a base model's pruned layers
};

}  // namespace

Model parse_model_yaml(std::string_view text, std::string_view file_label, const ModelOptions& options) {
  return ModelReader(file_label, options).read(text);
}

}  // namespace tetris::workloads
