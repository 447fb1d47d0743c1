#include "workloads/model_builder.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/checked_math.h"
#include "common/text.h"
#include "workloads/op_shapes.h"

namespace tetris::workloads {
namespace {

std::uint64_t add_total(std::uint64_t total, std::uint64_t value, const SourceLocation& where,
                        std::string_view what) {
  const auto sum = checked_add(total, value);
  if (!sum) throw InputError(where, fmt::format("the model's total {} overflows 64 bits", what));
  return *sum;
}

}  // namespace

bool is_valid_name(std::string_view name) {
  return !name.empty() && name.find_first_of(" \t\r\n#") == std::string_view::npos && !first_non_utf8(name);
}

ModelBuilder::ModelBuilder(std::string name, std::string source, ModelOptions options) {
  validate(options);
  model_.name = std::move(name);
  model_.source = std::move(source);
  model_.options = options;
}

TensorId ModelBuilder::add_tensor(std::string name, Shape shape, TensorKind kind,
                                  std::optional<LayerId> producer, const SourceLocation& where,
                                  std::string_view context) {
  if (!is_valid_name(name))
    throw InputError(where,
                     fmt::format("{}tensor name '{}' must be one word of UTF-8 text without spaces or '#'", context, name));
  if (tensor_ids_.contains(name))
    throw InputError(where, fmt::format("{}a tensor named '{}' already exists", context, name));
  if (shape.n == 0 || shape.c == 0 || shape.h == 0 || shape.w == 0)
    throw InputError(
        where, fmt::format("{}tensor '{}' has an empty dimension ({})", context, name, shape.to_string()));
  const auto elements = shape.elements();
  const auto bytes = elements ? checked_mul(*elements, model_.options.element_bytes) : std::nullopt;
  if (!bytes || *bytes > kMaxTensorBytes)
    throw InputError(
        where, fmt::format("{}tensor '{}' ({}, {}-byte elements) is larger than the {}-byte "
                           "limit of a tensor",
                           context, name, shape.to_string(), model_.options.element_bytes, kMaxTensorBytes));
  TensorTotals& totals = model_.totals.of(kind);
  totals.bytes = add_total(totals.bytes, *bytes, where, "tensor bytes");
  ++totals.count;
  const auto id = static_cast<TensorId>(model_.tensors.size());
  tensor_ids_.emplace(name, id);
  model_.tensors.push_back({std::move(name), shape, kind, producer, *elements, *bytes});
  return id;
}

TensorId ModelBuilder::add_input(std::string name, const std::vector<std::uint64_t>& sample_dims,
                                 const SourceLocation& where) {
  const auto shape = fold_shape(model_.options.batch, sample_dims);
  if (!shape) throw InputError(where, fmt::format("input '{}' has more than 2^64 elements", name));
  return add_tensor(std::move(name), *shape, TensorKind::input, std::nullopt, where, "");
}

TensorId ModelBuilder::add_weight(std::string name, const std::vector<std::uint64_t>& dims,
                                  const SourceLocation& where) {
  // A weight's first dimension is its own (output channels), not a batch: fold it as one.
  std::optional<Shape> shape = Shape{};
  if (!dims.empty()) shape = fold_shape(dims[0], std::span(dims).subspan(1));
  if (!shape) throw InputError(where, fmt::format("weight '{}' has more than 2^64 elements", name));
  return add_tensor(std::move(name), *shape, TensorKind::weight, std::nullopt, where, "");
}

// Weights a file names must hold what the op computes with: ONNX shape inference does not
// check a convolution's weights against its input channels. Element-wise scales and biases
// broadcast, so only ops with fixed weight shapes are checked.
void ModelBuilder::check_given_weights(const LayerSpec& spec, const OpResult& result,
                                       std::string_view context) const {
  if (spec.op != Op::conv && spec.op != Op::fully_connected && spec.op != Op::batch_norm && spec.op != Op::matmul &&
      spec.op != Op::constant)
    return;
  const std::vector<TensorId>& given = *spec.weights;
  if (given.size() != result.weights.size())
    throw InputError(spec.where, fmt::format("{}expected {} weight tensors, got {}", context,
                                             result.weights.size(), given.size()));
  for (std::size_t i = 0; i < given.size(); ++i) {
    const ModelTensor& w = model_.tensors[given[i]];
    const Shape& needed = result.weights[i].shape;
    if (w.elements != needed.elements())
      throw InputError(spec.where,
                       fmt::format("{}weight '{}' has {} elements, but the layer needs {} ({})", context,
                                   w.name, w.elements, needed.elements().value_or(0), needed.to_string()));
  }
}

LayerId ModelBuilder::add_layer(LayerSpec spec) {
  const std::string context = fmt::format("layer '{}' ({}): ", spec.name, to_string(spec.op));
  if (!is_valid_name(spec.name))
    throw InputError(spec.where,
                     fmt::format("layer name '{}' must be one word of UTF-8 text without spaces or '#'", spec.name));
  if (layer_ids_.contains(spec.name))
    throw InputError(spec.where, fmt::format("duplicate layer name '{}'", spec.name));
  std::vector<Shape> shapes;
  for (const TensorId id : spec.inputs) {
    if (id >= model_.tensors.size() || model_.tensors[id].kind == TensorKind::weight)
      throw InputError(spec.where, context + "internal error: an input is not an activation");
    shapes.push_back(model_.tensors[id].shape);
  }
  OpResult result;
  try {
    result = infer_op(spec.op, spec.params, shapes);
  } catch (const OpError& e) {
    throw InputError(spec.where, context + e.what());
  }
  const auto layer_id = static_cast<LayerId>(model_.layers.size());
  std::vector<TensorId> weights;
  if (spec.weights) {
    for (const TensorId id : *spec.weights)
      if (id >= model_.tensors.size() || model_.tensors[id].kind != TensorKind::weight)
        throw InputError(spec.where, context + "internal error: a weight operand is not a weight tensor");
    check_given_weights(spec, result, context);
    weights = *spec.weights;
  } else {
    for (const WeightSpec& w : result.weights)
      weights.push_back(add_tensor(fmt::format("{}.{}", spec.name, w.role), w.shape, TensorKind::weight,
                                   std::nullopt, spec.where, context));
  }
  // Pruning applies to a weight matrix: a layer with weights it multiplies.
  const bool weighted = spec.op == Op::conv || spec.op == Op::fully_connected ||
                        (spec.op == Op::matmul && !result.weights.empty());
  if ((spec.density || spec.busiest_density) && !weighted)
    throw InputError(spec.where, context + "'density' applies to conv, fully_connected and matmul layers with weights");
  double density = 1, busiest = 1;
  if (weighted) {
    density = spec.density.value_or(model_.options.weight_density);
    if (!(density > 0 && density <= 1))
      throw InputError(spec.where, fmt::format("{}'density' must be in (0, 1], got {}", context, density));
    const std::uint64_t synapses = *result.weights[0].shape.elements() / std::max<std::uint64_t>(1, result.output.c);
    busiest = spec.busiest_density.value_or(busiest_density_estimate(density, synapses));
    busiest = std::clamp(busiest, density, 1.0);
  }
  const std::string output_name = spec.output_name.empty() ? spec.name : spec.output_name;
  const TensorId output =
      add_tensor(output_name, result.output, TensorKind::activation, layer_id, spec.where, context);
  model_.totals.macs = add_total(model_.totals.macs, result.macs, spec.where, "MAC count");
  model_.totals.element_ops =
      add_total(model_.totals.element_ops, result.element_ops, spec.where, "element operation count");
  read_.insert(spec.inputs.begin(), spec.inputs.end());
  layer_ids_.emplace(spec.name, layer_id);
  model_.layers.push_back({std::move(spec.name), spec.op, std::move(spec.params), std::move(spec.inputs),
                           std::move(weights), output, result.macs, result.element_ops, density, busiest});
  return layer_id;
}

void ModelBuilder::mark_output(TensorId id) {
  ModelTensor& t = model_.tensors[id];
  if (t.kind != TensorKind::activation) return;
  TensorTotals& from = model_.totals.of(TensorKind::activation);
  TensorTotals& to = model_.totals.of(TensorKind::output);
  --from.count, from.bytes -= t.bytes;
  ++to.count, to.bytes += t.bytes;  // the same bytes moved between kinds: cannot overflow
  t.kind = TensorKind::output;
}

void ModelBuilder::mark_unread_outputs() {
  for (const ModelLayer& layer : model_.layers)
    if (!read_.contains(layer.output)) mark_output(layer.output);
}

std::optional<TensorId> ModelBuilder::find_tensor(std::string_view name) const {
  const auto it = tensor_ids_.find(std::string(name));
  if (it == tensor_ids_.end()) return std::nullopt;
  return it->second;
}

std::optional<LayerId> ModelBuilder::find_layer(std::string_view name) const {
  const auto it = layer_ids_.find(std::string(name));
  if (it == layer_ids_.end()) return std::nullopt;
  return it->second;
}

Model ModelBuilder::build() && { return std::move(model_); }

}  // namespace tetris::workloads
