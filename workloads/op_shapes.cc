#include "workloads/op_shapes.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>

#include "common/checked_math.h"

namespace tetris::workloads {
namespace {

constexpr std::array<char, 4> kDimNames = {'N', 'C', 'H', 'W'};

std::uint64_t mul(std::uint64_t a, std::uint64_t b, std::string_view what) {
  const auto r = checked_mul(a, b);
  if (!r) throw OpError(fmt::format("the {} overflows 64 bits", what));
  return *r;
}

std::uint64_t add(std::uint64_t a, std::uint64_t b, std::string_view what) {
  const auto r = checked_add(a, b);
  if (!r) throw OpError(fmt::format("the {} overflows 64 bits", what));
  return *r;
}

std::uint64_t elements(const Shape& s, std::string_view what) {
  const auto e = s.elements();
  if (!e) throw OpError(fmt::format("the {} shape {} has more than 2^64 elements", what, s.to_string()));
  return *e;
}

std::uint64_t sample_elements(const Shape& s) {
  const auto e = s.sample_elements();
  if (!e) throw OpError(fmt::format("the input shape {} has more than 2^64 elements", s.to_string()));
  return *e;
}

std::uint64_t dim(const Shape& s, std::size_t axis) {
  const std::array<std::uint64_t, 4> dims = {s.n, s.c, s.h, s.w};
  return dims[axis];
}

void set_dim(Shape& s, std::size_t axis, std::uint64_t value) {
  std::array<std::uint64_t*, 4> dims = {&s.n, &s.c, &s.h, &s.w};
  *dims[axis] = value;
}

// The layer's parameters, or the defaults when the layer gave none.
template <class P>
P params_as(const LayerParams& params, Op op) {
  if (const P* p = std::get_if<P>(&params)) return *p;
  if (std::holds_alternative<std::monostate>(params)) return P{};
  throw OpError(fmt::format("internal error: parameters of the wrong kind for {}", to_string(op)));
}

void require_inputs(std::span<const Shape> inputs, std::size_t at_least, std::size_t at_most) {
  if (inputs.size() >= at_least && inputs.size() <= at_most) return;
  if (at_least == at_most)
    throw OpError(fmt::format("takes {} input{}, got {}", at_least, at_least == 1 ? "" : "s", inputs.size()));
  throw OpError(fmt::format("takes at least {} inputs, got {}", at_least, inputs.size()));
}

void require_positive(std::uint64_t value, std::string_view what) {
  if (value == 0) throw OpError(fmt::format("'{}' must be at least 1", what));
}

// Output size of a window along one axis. Floor mode counts the windows that fit; ceil mode
// also counts a partial last window unless it would start beyond the input and its leading
// padding (Caffe's rule, which PyTorch follows).
std::uint64_t window_output(std::uint64_t in, std::uint64_t kernel, std::uint64_t stride,
                            std::uint64_t pad_begin, std::uint64_t pad_end, std::uint64_t dilation,
                            bool ceil_mode, char axis) {
  const std::uint64_t extent = add(mul(dilation, kernel - 1, "window extent"), 1, "window extent");
  const std::uint64_t padded = add(add(in, pad_begin, "padded input"), pad_end, "padded input");
  if (padded < extent)
    throw OpError(
        fmt::format("the window spans {} along {} but the padded input has only {}", extent, axis, padded));
  const std::uint64_t span = padded - extent;
  std::uint64_t out = span / stride + 1;
  if (ceil_mode && span % stride != 0) {
    ++out;
    if ((out - 1) * stride >= in + pad_begin) --out;
  }
  return out;
}

void check_window(const Window& w) {
  require_positive(w.kernel_h, "kernel"), require_positive(w.kernel_w, "kernel");
  require_positive(w.stride_h, "stride"), require_positive(w.stride_w, "stride");
  require_positive(w.dilation_h, "dilation"), require_positive(w.dilation_w, "dilation");
}

Shape window_shape(const Shape& in, const Window& w, std::uint64_t channels, bool ceil_mode) {
  return {in.n, channels,
          window_output(in.h, w.kernel_h, w.stride_h, w.pad.top, w.pad.bottom, w.dilation_h, ceil_mode, 'H'),
          window_output(in.w, w.kernel_w, w.stride_w, w.pad.left, w.pad.right, w.dilation_w, ceil_mode, 'W')};
}

OpResult infer_conv(const ConvParams& p, const Shape& in) {
  check_window(p.window);
  require_positive(p.out_channels, "out");
  require_positive(p.groups, "groups");
  if (in.c % p.groups != 0)
    throw OpError(fmt::format("the input's {} channels do not divide into {} groups", in.c, p.groups));
  if (p.out_channels % p.groups != 0)
    throw OpError(fmt::format("{} output channels do not divide into {} groups", p.out_channels, p.groups));
  OpResult r;
  r.output = window_shape(in, p.window, p.out_channels, false);
  const std::uint64_t per_output =
      mul(in.c / p.groups, mul(p.window.kernel_h, p.window.kernel_w, "kernel"), "kernel");
  r.macs = mul(elements(r.output, "output"), per_output, "MAC count");
  r.weights.push_back({"weight", {p.out_channels, in.c / p.groups, p.window.kernel_h, p.window.kernel_w}});
  if (p.bias) r.weights.push_back({"bias", {p.out_channels, 1, 1, 1}});
  return r;
}

OpResult infer_fully_connected(const FullyConnectedParams& p, const Shape& in) {
  require_positive(p.out_features, "out");
  const std::uint64_t in_features = sample_elements(in);
  OpResult r;
  r.output = {in.n, p.out_features, 1, 1};
  r.macs = mul(mul(in.n, p.out_features, "MAC count"), in_features, "MAC count");
  r.weights.push_back({"weight", {p.out_features, in_features, 1, 1}});
  if (p.bias) r.weights.push_back({"bias", {p.out_features, 1, 1, 1}});
  return r;
}

OpResult infer_pool(const PoolParams& p, const Shape& in) {
  check_window(p.window);
  // A window that covers padding only has no input to pool (max pooling would give -inf).
  const auto check_pad = [](std::uint64_t pad, std::uint64_t kernel, std::uint64_t dilation, std::string_view side) {
    const std::uint64_t extent = add(mul(dilation, kernel - 1, "window extent"), 1, "window extent");
    if (pad >= extent)
      throw OpError(fmt::format("padding {} at the {} is not smaller than the {}-wide window: a window would "
                                "pool padding only",
                                pad, side, extent));
  };
  check_pad(p.window.pad.top, p.window.kernel_h, p.window.dilation_h, "top");
  check_pad(p.window.pad.bottom, p.window.kernel_h, p.window.dilation_h, "bottom");
  check_pad(p.window.pad.left, p.window.kernel_w, p.window.dilation_w, "left");
  check_pad(p.window.pad.right, p.window.kernel_w, p.window.dilation_w, "right");
  OpResult r;
  r.output = window_shape(in, p.window, in.c, p.ceil_mode);
  r.element_ops = mul(elements(r.output, "output"), mul(p.window.kernel_h, p.window.kernel_w, "kernel"),
                      "element operation count");
  return r;
}

OpResult infer_global_avg_pool(const Shape& in) { return {{in.n, in.c, 1, 1}, {}, 0, elements(in, "input")}; }

// Same shape out as in, `ops_per_element` element operations per element.
OpResult same_shape(const Shape& in, std::uint64_t ops_per_element) {
  return {in, {}, 0, mul(elements(in, "input"), ops_per_element, "element operation count")};
}

OpResult infer_batch_norm(const BatchNormParams& p, const Shape& in) {
  if (!(p.epsilon >= 0)) throw OpError("'epsilon' must not be negative");
  OpResult r = same_shape(in, 1);
  for (const char* role : {"scale", "bias", "mean", "variance"}) r.weights.push_back({role, {in.c, 1, 1, 1}});
  return r;
}

OpResult infer_scale(const ScaleParams& p, const Shape& in) {
  OpResult r = same_shape(in, 1);
  r.weights.push_back({"scale", {in.c, 1, 1, 1}});
  if (p.bias) r.weights.push_back({"bias", {in.c, 1, 1, 1}});
  return r;
}

OpResult infer_bias(const Shape& in) {
  OpResult r = same_shape(in, 1);
  r.weights.push_back({"bias", {in.c, 1, 1, 1}});
  return r;
}

// Element-wise over two or more inputs; a dimension of 1 broadcasts, as in NumPy and ONNX.
OpResult infer_broadcast(std::span<const Shape> inputs) {
  Shape out = inputs[0];
  for (std::size_t axis = 0; axis < 4; ++axis) {
    std::uint64_t d = 1;
    for (const Shape& s : inputs) d = std::max(d, dim(s, axis));
    set_dim(out, axis, d);
  }
  for (std::size_t i = 0; i < inputs.size(); ++i)
    for (std::size_t axis = 0; axis < 4; ++axis) {
      const std::uint64_t d = dim(inputs[i], axis);
      if (d != 1 && d != dim(out, axis))
        throw OpError(
            fmt::format("input {} is {} but another input has {} = {}; dimensions must match "
                        "or be 1",
                        i + 1, inputs[i].to_string(), kDimNames[axis], dim(out, axis)));
    }
  const std::uint64_t ops = mul(elements(out, "output"), inputs.size() - 1, "element operation count");
  return {out, {}, 0, ops};
}

OpResult infer_concat(const AxisParams& p, std::span<const Shape> inputs) {
  if (p.axis > 3) throw OpError(fmt::format("'axis' must be 0 to 3 (N, C, H, W), got {}", p.axis));
  Shape out = inputs[0];
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    for (std::size_t axis = 0; axis < 4; ++axis) {
      if (axis == p.axis || dim(inputs[i], axis) == dim(inputs[0], axis)) continue;
      throw OpError(fmt::format(
          "input {} is {} but input 1 is {}: concatenating along {} needs equal "
          "{}",
          i + 1, inputs[i].to_string(), inputs[0].to_string(), kDimNames[p.axis], kDimNames[axis]));
    }
    total = add(total, dim(inputs[i], p.axis), "concatenated size");
  }
  set_dim(out, p.axis, total);
  elements(out, "output");
  return {out, {}, 0, 0};
}

OpResult infer_lrn(const LrnParams& p, const Shape& in) {
  require_positive(p.size, "size");
  return same_shape(in, p.size);
}

OpResult infer_softmax(const AxisParams& p, const Shape& in) {
  if (p.axis > 3) throw OpError(fmt::format("'axis' must be 0 to 3 (N, C, H, W), got {}", p.axis));
  return same_shape(in, 3);
}

Shape fold_or_throw(std::uint64_t n, std::span<const std::uint64_t> dims) {
  const auto s = fold_shape(n, dims);
  if (!s) throw OpError("the output shape has more than 2^64 elements");
  return *s;
}

OpResult infer_flatten(const Shape& in) { return {{in.n, sample_elements(in), 1, 1}, {}, 0, 0}; }

OpResult infer_reshape(const ReshapeParams& p, const Shape& in) {
  if (p.shape.empty()) throw OpError("'shape' must list at least one dimension of a sample");
  const std::array<std::uint64_t, 3> in_dims = {in.c, in.h, in.w};
  const std::uint64_t total = sample_elements(in);
  std::vector<std::uint64_t> dims;
  std::optional<std::size_t> inferred;
  std::uint64_t known = 1;
  for (std::size_t i = 0; i < p.shape.size(); ++i) {
    const std::int64_t d = p.shape[i];
    if (d == -1) {
      if (inferred) throw OpError("'shape' may contain -1 only once");
      inferred = i;
      dims.push_back(1);
      continue;
    }
    if (d < -1) throw OpError(fmt::format("'shape' entries must be positive, 0 or -1, got {}", d));
    std::uint64_t value = static_cast<std::uint64_t>(d);
    if (d == 0) {
      if (i >= in_dims.size())
        throw OpError(fmt::format("'shape' entry {} is 0 but the input has no such dimension", i));
      value = in_dims[i];
    }
    dims.push_back(value);
    known = mul(known, value, "reshaped size");
  }
  if (inferred) {
    if (known == 0 || total % known != 0)
      throw OpError(
          fmt::format("cannot reshape {} elements per sample into {}", total, fmt::join(p.shape, "x")));
    dims[*inferred] = total / known;
  } else if (known != total) {
    throw OpError(fmt::format("cannot reshape {} elements per sample ({}) into {} ({} elements)", total,
                              in.to_string(), fmt::join(dims, "x"), known));
  }
  return {fold_or_throw(in.n, dims), {}, 0, 0};
}

OpResult infer_transpose(const TransposeParams& p, const Shape& in) {
  std::vector<std::uint64_t> dims = p.sample_dims;
  if (dims.empty()) dims = {in.c, in.h, in.w};
  std::uint64_t product = 1;
  for (const std::uint64_t d : dims) product = mul(product, d, "transposed size");
  if (product != sample_elements(in))
    throw OpError(fmt::format("a sample of {} has {} elements, not the {} of the view {}", in.to_string(),
                              sample_elements(in), product, fmt::join(dims, "x")));
  const std::size_t rank = dims.size() + 1;
  if (p.perm.size() != rank)
    throw OpError(fmt::format("'perm' must list {} axes (the batch first), got {}", rank, p.perm.size()));
  std::vector<bool> seen(rank, false);
  for (const std::uint32_t axis : p.perm) {
    if (axis >= rank || seen[axis])
      throw OpError(fmt::format("'perm' must be a permutation of 0 to {}, got [{}]", rank - 1,
                                fmt::join(p.perm, ", ")));
    seen[axis] = true;
  }
  if (p.perm[0] != 0) throw OpError("'perm' must keep the batch axis first (perm[0] = 0)");
  std::vector<std::uint64_t> out;
  for (std::size_t i = 1; i < rank; ++i) out.push_back(dims[p.perm[i] - 1]);
  const Shape shape = fold_or_throw(in.n, out);
  return {shape, {}, 0, elements(shape, "output")};
}

OpResult infer_matmul(const MatMulParams& p, std::span<const Shape> inputs) {
  const Shape& a = inputs[0];
  OpResult r;
  if (inputs.size() == 1) {
    require_positive(p.out_features, "out");
    if (a.w != 1)
      throw OpError(fmt::format("a weight multiplies the channel axis of rows (N, C, H, 1); the input is {}",
                                a.to_string()));
    r.output = {a.n, p.out_features, a.h, 1};
    r.macs = mul(mul(mul(a.n, a.h, "MAC count"), a.c, "MAC count"), p.out_features, "MAC count");
    r.weights.push_back({"weight", {a.c, p.out_features, 1, 1}});
    if (p.bias) r.weights.push_back({"bias", {p.out_features, 1, 1, 1}});
    return r;
  }
  if (p.out_features != 0) throw OpError("a product of two activations takes no 'out'");
  const Shape& b = inputs[1];
  if (a.n != b.n || a.c != b.c || a.w != b.h)
    throw OpError(fmt::format("cannot multiply {} by {}: (N, C, M, K) x (N, C, K, P) needs equal N and C and "
                              "A's W equal to B's H",
                              a.to_string(), b.to_string()));
  r.output = {a.n, a.c, a.h, b.w};
  r.macs = mul(elements(r.output, "output"), a.w, "MAC count");
  return r;
}

std::uint32_t checked_axis(const AxisParams& p) {
  if (p.axis > 3) throw OpError(fmt::format("'axis' must be 0 to 3 (N, C, H, W), got {}", p.axis));
  return p.axis;
}

OpResult infer_layer_norm(const AxisParams& p, const Shape& in) {
  const std::uint32_t axis = checked_axis(p);
  if (axis == 0) throw OpError("'axis' must not be the batch (0)");
  OpResult r = same_shape(in, 5);
  for (const char* role : {"scale", "bias"}) r.weights.push_back({role, {dim(in, axis), 1, 1, 1}});
  return r;
}

OpResult infer_embedding(const EmbeddingParams& p, const Shape& in) {
  require_positive(p.rows, "rows"), require_positive(p.features, "features");
  if (in.h != 1 || in.w != 1)
    throw OpError(fmt::format("the indices must be (N, L): one index per row, got {}", in.to_string()));
  OpResult r;
  r.output = {in.n, p.features, in.c, 1};
  r.element_ops = elements(r.output, "output");
  r.weights.push_back({"table", {p.rows, p.features, 1, 1}});
  return r;
}

OpResult infer_slice(const SliceParams& p, const Shape& in) {
  if (p.axis < 1 || p.axis > 3) throw OpError(fmt::format("'axis' must be 1 to 3 (C, H, W), got {}", p.axis));
  const auto range = p.resolve(dim(in, p.axis));
  if (!range)
    throw OpError(fmt::format("[{}{}, {}{}) is not a non-empty range of the {} {} of {}", p.from_end ? "end - " : "",
                              p.begin, p.from_end ? "end - " : "", p.end, dim(in, p.axis), kDimNames[p.axis],
                              in.to_string()));
  Shape out = in;
  set_dim(out, p.axis, range->second - range->first);
  return {out, {}, 0, elements(out, "output")};
}

OpResult infer_reduce_mean(const AxisParams& p, const Shape& in) {
  const std::uint32_t axis = checked_axis(p);
  if (axis == 0) throw OpError("'axis' must not be the batch (0)");
  Shape out = in;
  set_dim(out, axis, 1);
  return {out, {}, 0, elements(in, "input")};
}

// The mask covers the last two axes (rows x columns of attention scores), shared by the batch
// and the heads, as exporters write it.
OpResult infer_where(const Shape& in) {
  OpResult r = same_shape(in, 1);
  r.weights.push_back({"condition", {1, 1, in.h, in.w}});
  r.weights.push_back({"other", {1, 1, 1, 1}});
  return r;
}

}  // namespace

std::optional<Shape> fold_shape(std::uint64_t n, std::span<const std::uint64_t> sample_dims) {
  Shape s{n, 1, 1, 1};
  if (sample_dims.size() == 2) {  // (N, L, F): L rows of F features
    s.c = sample_dims[1], s.h = sample_dims[0];
    if (!s.elements()) return std::nullopt;
    return s;
  }
  for (std::size_t i = 0; i < sample_dims.size(); ++i) {
    if (i < 3) {
      set_dim(s, i + 1, sample_dims[i]);
      continue;
    }
    const auto w = checked_mul(s.w, sample_dims[i]);
    if (!w) return std::nullopt;
    s.w = *w;
  }
  if (!s.elements()) return std::nullopt;
  return s;
}

OpResult infer_op(Op op, const LayerParams& params, std::span<const Shape> inputs) {
  if (op == Op::constant) {
    require_inputs(inputs, 0, 0);
    const auto p = params_as<ConstantParams>(params, op);
    require_positive(p.batch, "batch");
    const Shape out = fold_or_throw(p.batch, p.sample_dims);
    std::vector<std::uint64_t> dims = p.sample_dims;
    if (dims.empty()) dims = {1};
    const Shape value = fold_or_throw(dims[0], std::span(dims).subspan(1));
    return {out, {{"value", value}}, 0, elements(out, "output")};
  }
  const bool many = op == Op::add || op == Op::mul || op == Op::concat;
  if (op == Op::sub || op == Op::div)
    require_inputs(inputs, 2, 2);
  else if (op == Op::matmul)
    require_inputs(inputs, 1, 2);
  else
    require_inputs(inputs, many && op != Op::concat ? 2 : 1, many ? std::size_t(-1) : 1);
  const Shape& in = inputs[0];
  switch (op) {
    case Op::conv:
      return infer_conv(params_as<ConvParams>(params, op), in);
    case Op::fully_connected:
      return infer_fully_connected(params_as<FullyConnectedParams>(params, op), in);
    case Op::max_pool:
    case Op::avg_pool:
      return infer_pool(params_as<PoolParams>(params, op), in);
    case Op::global_avg_pool:
      return infer_global_avg_pool(in);
    case Op::relu:
    case Op::relu6:
    case Op::sigmoid:
      return same_shape(in, 1);
    case Op::batch_norm:
      return infer_batch_norm(params_as<BatchNormParams>(params, op), in);
    case Op::scale:
      return infer_scale(params_as<ScaleParams>(params, op), in);
    case Op::bias:
      return infer_bias(in);
    case Op::add:
    case Op::mul:
      return infer_broadcast(inputs);
    case Op::concat:
      return infer_concat(params_as<AxisParams>(params, op), inputs);
    case Op::lrn:
      return infer_lrn(params_as<LrnParams>(params, op), in);
    case Op::softmax:
      return infer_softmax(params_as<AxisParams>(params, op), in);
    case Op::flatten:
      return infer_flatten(in);
    case Op::reshape:
      return infer_reshape(params_as<ReshapeParams>(params, op), in);
    case Op::transpose:
      return infer_transpose(params_as<TransposeParams>(params, op), in);
    case Op::dropout:
      return same_shape(in, 0);
    case Op::matmul:
      return infer_matmul(params_as<MatMulParams>(params, op), inputs);
    case Op::layer_norm:
      return infer_layer_norm(params_as<AxisParams>(params, op), in);
    case Op::embedding:
      return infer_embedding(params_as<EmbeddingParams>(params, op), in);
    case Op::slice:
      return infer_slice(params_as<SliceParams>(params, op), in);
    case Op::reduce_mean:
      return infer_reduce_mean(params_as<AxisParams>(params, op), in);
    case Op::sub:
    case Op::div:
      return infer_broadcast(inputs);
    case Op::tanh:
    case Op::erf:
    case Op::sqrt:
    case Op::pow:
      return same_shape(in, 1);
    case Op::where:
      return infer_where(in);
    case Op::gelu:
      return same_shape(in, 8);
    case Op::constant:
      break;  // handled above: it reads no input
  }
  throw OpError("internal error: unknown operator");
}

}  // namespace tetris::workloads
