#include "workloads/model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/checked_math.h"
#include "common/input_error.h"

namespace tetris::workloads {
namespace {

constexpr std::array<std::string_view, kOpCount> kOpNames = {
    "conv",
    "fully_connected",
    "max_pool",
    "avg_pool",
    "global_avg_pool",
    "relu",
    "relu6",
    "sigmoid",
    "batch_norm",
    "scale",
    "bias",
    "add",
    "mul",
    "concat",
    "lrn",
    "softmax",
    "flatten",
    "reshape",
    "transpose",
    "dropout",
    "matmul",
    "layer_norm",
    "embedding",
    "slice",
    "reduce_mean",
    "sub",
    "div",
    "tanh",
    "erf",
    "sqrt",
    "pow",
    "where",
    "gelu",
    "constant",
};

}  // namespace

void validate(const ModelOptions& options) {
  if (options.batch < 1 || options.batch > kMaxBatch)
    throw InputError({"--batch"},
                     fmt::format("the batch must be between 1 and {}, got {}", kMaxBatch, options.batch));
  if (options.sequence > kMaxBatch)
    throw InputError({"--seq"}, fmt::format("the sequence length must be at most {}, got {}", kMaxBatch,
                                            options.sequence));
  if (!(options.weight_density > 0 && options.weight_density <= 1))
    throw InputError({"--weight-density"},
                     fmt::format("the share of nonzero weights must be in (0, 1], got {}", options.weight_density));
  const std::uint64_t e = options.element_bytes;
  if (e != 1 && e != 2 && e != 4 && e != 8)
    throw InputError({"--element-bytes"}, fmt::format("bytes per element must be 1, 2, 4 or 8, got {}", e));
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> SliceParams::resolve(std::uint64_t length) const {
  if (from_end && (begin > length || end > length)) return std::nullopt;
  const std::uint64_t b = from_end ? length - begin : begin, e = from_end ? length - end : end;
  if (b >= e || e > length) return std::nullopt;
  return std::pair{b, e};
}

std::optional<std::uint64_t> Shape::sample_elements() const {
  const auto ch = checked_mul(c, h);
  return ch ? checked_mul(*ch, w) : std::nullopt;
}

std::optional<std::uint64_t> Shape::elements() const {
  const auto sample = sample_elements();
  return sample ? checked_mul(n, *sample) : std::nullopt;
}

std::string Shape::to_string() const { return fmt::format("{}x{}x{}x{}", n, c, h, w); }

std::string_view to_string(Op op) { return kOpNames[static_cast<std::size_t>(op)]; }

std::optional<Op> parse_op(std::string_view text) {
  for (std::size_t i = 0; i < kOpNames.size(); ++i)
    if (kOpNames[i] == text) return static_cast<Op>(i);
  return std::nullopt;
}

double busiest_density_estimate(double density, std::uint64_t synapses) {
  if (density >= 1 || synapses == 0) return 1;
  constexpr double kExpectedMaxOf16Normals = 1.766;
  const double sigma = std::sqrt(density * (1 - density) / static_cast<double>(synapses));
  return std::min(1.0, density + kExpectedMaxOf16Normals * sigma);
}

bool counts_macs(Op op) { return op == Op::conv || op == Op::fully_connected || op == Op::matmul; }

std::optional<TensorId> Model::find_tensor(std::string_view tensor_name) const {
  for (std::size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].name == tensor_name) return static_cast<TensorId>(i);
  return std::nullopt;
}

std::optional<LayerId> Model::find_layer(std::string_view layer_name) const {
  for (std::size_t i = 0; i < layers.size(); ++i)
    if (layers[i].name == layer_name) return static_cast<LayerId>(i);
  return std::nullopt;
}

std::vector<TensorId> Model::tensors_of_kind(TensorKind kind) const {
  std::vector<TensorId> ids;
  for (std::size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].kind == kind) ids.push_back(static_cast<TensorId>(i));
  return ids;
}

}  // namespace tetris::workloads
