// A neural network as plain values: tensors with NCHW shapes and layers in topological order.
// YAML models and ONNX imports both become a Model; lowering to traces consumes it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/trace.h"
#include "common/trace_summary.h"

namespace tetris::workloads {

// Batch and element width are properties of the run, never of the model file, so one model
// serves every configuration (Cambricon-X computes on 16-bit elements, ONNX files on fp32).
struct ModelOptions {
  std::uint64_t batch = 1;
  std::uint64_t element_bytes = 2;
  // Tokens per sequence for a model whose input is one dimension of tokens (a transformer in
  // YAML); 0 keeps the model's own length.
  std::uint64_t sequence = 0;
  // The share of nonzero weights of every conv, fully_connected and matmul layer whose model file
  // gives none (--weight-density); 1: dense.
  double weight_density = 1;

  bool operator==(const ModelOptions&) const = default;
};

inline constexpr std::uint64_t kMaxBatch = std::uint64_t{1} << 20;

// Throws InputError naming --batch or --element-bytes when a value is out of range.
void validate(const ModelOptions& options);

// A tensor's logical shape in elements, NCHW. (N, C) is (N, C, 1, 1); rank 3 is a sequence of
// feature vectors, (N, L, F) is (N, F, L, 1): tokens are rows and features channels, as the
// transformer layers that produce them compute; higher ranks fold their trailing dimensions
// into W, which keeps the element count, and so the bytes, exact. Weights use the same rule on
// their own dimensions.
struct Shape {
  std::uint64_t n = 1, c = 1, h = 1, w = 1;

  bool operator==(const Shape&) const = default;
  // Elements in one sample (c*h*w) and in all of them; nullopt when the product overflows.
  std::optional<std::uint64_t> sample_elements() const;
  std::optional<std::uint64_t> elements() const;
  std::string to_string() const;  // "1x64x112x112"
};

// The operators a model may use. The comment says what one unit of work is, which decides the
// layer's counts: MACs for conv and fully_connected, element operations for the rest.
enum class Op : std::uint8_t {
  conv,             // MACs: out elements x (in channels / groups) x kernel area
  fully_connected,  // MACs: batch x out features x in features (the input is flattened)
  max_pool,         // element ops: out elements x kernel area (comparisons)
  avg_pool,         // element ops: out elements x kernel area (additions)
  global_avg_pool,  // element ops: in elements
  relu,             // element ops: one per element, for each activation function
  relu6,
  sigmoid,
  batch_norm,  // one fused multiply-add per element (inference folds mean and variance)
  scale,       // y = x * s (+ b), s and b broadcast per channel: one per element
  bias,        // y = x + b: one per element
  add,         // (inputs - 1) per output element; inputs broadcast where a dimension is 1
  mul,
  concat,   // none: producers can write straight into their slice
  lrn,      // size per element (the window's sum of squares)
  softmax,  // three per element: exponent, sum, divide
  flatten,  // none: views of the same bytes
  reshape,
  transpose,  // one per element (a copy)
  dropout,    // none: identity at inference
  // Transformer operators (ONNX MatMul, LayerNormalization, Gather, ...).
  matmul,       // MACs: rows x in features x out features. With a weight [in, out]: over the
                // channel axis, every other position a row. Of two activations (Q x K^T):
                // (N, C, M, K) x (N, C, K, P) -> (N, C, M, P), batched over N and C (heads)
  layer_norm,   // five per element (mean, variance, normalise, scale, shift) over one axis
  embedding,    // one per element (a copy): each index selects a row of the table, a weight
  slice,        // one per element (a copy) of [begin, end) along one axis (Split, Slice, Gather)
  reduce_mean,  // one per input element; the axis becomes 1
  sub,          // one per output element, two activations broadcast as for add
  div,
  tanh,         // one per element
  erf,
  sqrt,
  pow,          // one per element; the exponent is a constant
  where,        // one per element: select by a constant mask, else a constant
  gelu,         // eight per element (x/2 (1 + erf(x/sqrt 2)), or its tanh approximation)
  constant,     // one per element (a copy): a learned weight becomes an activation, one per sample
                // (ViT's class token, concatenated before the patches)
};

inline constexpr std::size_t kOpCount = static_cast<std::size_t>(Op::constant) + 1;

std::string_view to_string(Op op);
std::optional<Op> parse_op(std::string_view text);
// Ops whose work counts multiply-accumulates rather than element operations.
bool counts_macs(Op op);

// Padding of a 2-D window in elements, in ONNX's order of begin then end.
struct Padding {
  std::uint64_t top = 0, left = 0, bottom = 0, right = 0;
  bool operator==(const Padding&) const = default;
};

// A 2-D sliding window over H and W, shared by conv and pooling.
struct Window {
  std::uint64_t kernel_h = 1, kernel_w = 1;
  std::uint64_t stride_h = 1, stride_w = 1;
  Padding pad;
  std::uint64_t dilation_h = 1, dilation_w = 1;
  bool operator==(const Window&) const = default;
};

struct ConvParams {
  Window window;
  std::uint64_t out_channels = 0;
  std::uint64_t groups = 1;  // groups == input channels is a depthwise convolution
  bool bias = true;
  bool operator==(const ConvParams&) const = default;
};

struct FullyConnectedParams {
  std::uint64_t out_features = 0;
  bool bias = true;
  bool operator==(const FullyConnectedParams&) const = default;
};

struct PoolParams {
  Window window;
  // Caffe sizes pooling outputs rounding up; a window that would start past the input and its
  // leading padding is dropped, as Caffe and PyTorch do.
  bool ceil_mode = false;
  bool operator==(const PoolParams&) const = default;
};

struct BatchNormParams {
  double epsilon = 1e-5;
  bool operator==(const BatchNormParams&) const = default;
};

struct ScaleParams {
  bool bias = true;
  bool operator==(const ScaleParams&) const = default;
};

// Axes number the NCHW dimensions: 0 = N, 1 = C, 2 = H, 3 = W.
struct AxisParams {
  std::uint32_t axis = 1;
  bool operator==(const AxisParams&) const = default;
};

struct LrnParams {
  std::uint64_t size = 5;  // channels in the window
  double alpha = 1e-4, beta = 0.75, k = 1.0;
  bool operator==(const LrnParams&) const = default;
};

// The dimensions of one sample after the reshape (the batch dimension is kept). One entry may
// be -1 (inferred) and 0 copies the input's dimension at that position, as in ONNX.
struct ReshapeParams {
  std::vector<std::int64_t> shape;
  bool operator==(const ReshapeParams&) const = default;
};

// `perm` permutes the dimensions of `sample_dims` with the batch in front: perm[0] must be 0.
// sample_dims views one input sample at any rank (an ONNX channel shuffle transposes a 5-D
// view); empty means the input's C, H, W.
struct TransposeParams {
  std::vector<std::uint32_t> perm;
  std::vector<std::uint64_t> sample_dims;
  bool operator==(const TransposeParams&) const = default;
};

// matmul of an activation by a weight matrix [in features, out features] (+ bias).
// out_features 0: the product of two activations.
struct MatMulParams {
  std::uint64_t out_features = 0;
  bool bias = false;
  bool operator==(const MatMulParams&) const = default;
};

// A table of `rows` vectors of `features` elements; the input holds one index per output row:
// (N, L) indices give (N, L, features), i.e. (N, features, L, 1).
struct EmbeddingParams {
  std::uint64_t rows = 0, features = 0;
  bool operator==(const EmbeddingParams&) const = default;
};

// [begin, end) along NCHW `axis`.
struct SliceParams {
  std::uint32_t axis = 1;
  std::uint64_t begin = 0, end = 0;
  // begin and end count back from the end of the axis ([length - begin, length - end)), so a
  // model can take its last token whatever the sequence length.
  bool from_end = false;
  bool operator==(const SliceParams&) const = default;
  // [begin, end) along an axis of `length`; nullopt when it is not a non-empty range inside it.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> resolve(std::uint64_t length) const;
};

// The value's shape per sample; the layer reads no activation, so the batch is given too.
struct ConstantParams {
  std::uint64_t batch = 1;
  std::vector<std::uint64_t> sample_dims;
  bool operator==(const ConstantParams&) const = default;
};

struct PowParams {
  double exponent = 2;
  bool operator==(const PowParams&) const = default;
};

struct DropoutParams {
  double ratio = 0.5;  // informational: dropout is the identity at inference
  bool operator==(const DropoutParams&) const = default;
};

// monostate for ops without parameters (activations, add, mul, flatten, global_avg_pool, bias).
using LayerParams =
    std::variant<std::monostate, ConvParams, FullyConnectedParams, PoolParams, BatchNormParams, ScaleParams,
                 AxisParams, LrnParams, ReshapeParams, TransposeParams, DropoutParams, MatMulParams,
                 EmbeddingParams, SliceParams, PowParams, ConstantParams>;

struct ModelTensor {
  std::string name;
  Shape shape;  // activations carry the batch in n; weights do not depend on it
  TensorKind kind = TensorKind::activation;
  std::optional<LayerId> producer;  // the layer that writes it; none for inputs and weights
  std::uint64_t elements = 0;
  std::uint64_t bytes = 0;  // elements x element_bytes, at most kMaxTensorBytes
};

struct ModelLayer {
  std::string name;
  Op op = Op::relu;
  LayerParams params;
  std::vector<TensorId> inputs;   // activations (or graph inputs), in operand order
  std::vector<TensorId> weights;  // e.g. conv: weight, bias; batch_norm: scale, bias, mean, variance
  TensorId output = 0;
  std::uint64_t macs = 0;         // for conv and fully_connected
  std::uint64_t element_ops = 0;  // for the other ops; see Op
  // Pruning, for layers with a weight matrix (conv, fully_connected, matmul by a weight): the
  // share of nonzero synapses (biases stay dense), and the nonzero share of the busiest of the
  // kSparseLanes output channels computed side by side, which sets a sparse core's cycles.
  double weight_density = 1;
  double busiest_density = 1;
};

// Output channels a Cambricon-X core computes side by side, one per PE (MICRO 2016: 16 PEs, each
// with the synapses of its own output neuron).
inline constexpr std::uint64_t kSparseLanes = 16;

// The expected nonzero share of the busiest of kSparseLanes output channels whose `synapses`
// weights are each nonzero with probability `density`: density + 1.766 sigma (the expected
// maximum of 16 standard normals), at most 1.
double busiest_density_estimate(double density, std::uint64_t synapses);

// Sums over the whole model, computed once by the builder with overflow checks.
struct ModelTotals {
  std::uint64_t macs = 0;
  std::uint64_t element_ops = 0;
  std::array<TensorTotals, 4> per_kind{};  // indexed by TensorKind
  TensorTotals& of(TensorKind kind) { return per_kind[static_cast<std::size_t>(kind)]; }
  const TensorTotals& of(TensorKind kind) const { return per_kind[static_cast<std::size_t>(kind)]; }
};

// Immutable once built (see ModelBuilder): every id is valid, layers are in topological order
// (a layer only reads tensors produced by earlier layers, graph inputs or weights), names are
// unique among layers and among tensors, and every size fits 64 bits.
struct Model {
  std::string name;
  std::string source;  // the file, or "workloads/models/NAME.yaml (built in)"
  ModelOptions options;
  std::vector<ModelTensor> tensors;
  std::vector<ModelLayer> layers;
  ModelTotals totals;

  std::optional<TensorId> find_tensor(std::string_view tensor_name) const;
  std::optional<LayerId> find_layer(std::string_view layer_name) const;
  std::vector<TensorId> tensors_of_kind(TensorKind kind) const;
};

}  // namespace tetris::workloads
