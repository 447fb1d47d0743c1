#include "workloads/lowering.h"

#include <algorithm>
#include <array>
#include <set>

#include <fmt/format.h>

#include "common/checked_math.h"
#include "common/input_error.h"
#include "workloads/fusion.h"
#include "workloads/tensor_region.h"
#include "workloads/tiling.h"

namespace tetris::workloads {
namespace {

using u64 = std::uint64_t;
using i64 = std::int64_t;

// The model's NCHW axes as NHWC axes (0 = N, 1 = H, 2 = W, 3 = C) and back.
constexpr std::array<std::uint32_t, 4> kNhwcOfNchw = {0, 3, 1, 2};
constexpr std::array<std::uint32_t, 4> kNchwOfNhwc = {0, 2, 3, 1};

Extent extent_of(const Shape& s) { return {s.n, s.h, s.w, s.c}; }
u64 ceil_div(u64 a, u64 b) { return (a + b - 1) / b; }

u64 dim(const Extent& e, std::uint32_t axis) {
  const std::array<u64, 4> d = {e.n, e.h, e.w, e.c};
  return d[axis];
}

std::pair<u64, u64> range(const Box& b, std::uint32_t axis) {
  switch (axis) {
    case 0: return {b.n0, b.n1};
    case 1: return {b.h0, b.h1};
    case 2: return {b.w0, b.w1};
    default: return {b.c0, b.c1};
  }
}

void set_range(Box& b, std::uint32_t axis, u64 lo, u64 hi) {
  switch (axis) {
    case 0: b.n0 = lo, b.n1 = hi; break;
    case 1: b.h0 = lo, b.h1 = hi; break;
    case 2: b.w0 = lo, b.w1 = hi; break;
    default: b.c0 = lo, b.c1 = hi; break;
  }
}

// Output rows [o0, o1) of a window read input rows [result) (clipped to [0, in)).
std::pair<u64, u64> window_input(u64 o0, u64 o1, u64 stride, u64 pad, u64 span, u64 in) {
  const i64 lo = static_cast<i64>(o0 * stride) - static_cast<i64>(pad);
  const i64 hi = static_cast<i64>((o1 - 1) * stride + span) - static_cast<i64>(pad);
  const u64 a = static_cast<u64>(std::clamp<i64>(lo, 0, static_cast<i64>(in)));
  const u64 b = static_cast<u64>(std::clamp<i64>(hi, 0, static_cast<i64>(in)));
  return {a, std::max(a, b)};
}

// What a core computes of a layer's output: combined rows (n * H + h) [r0, r1) x channels [c0, c1).
struct CoreRegion {
  u64 r0 = 0, r1 = 0, c0 = 0, c1 = 0;
  bool empty() const { return r0 >= r1 || c0 >= c1; }
};

std::vector<CoreRegion> partition(const Extent& e, std::uint32_t cores, PartitionMode mode, bool by_channels) {
  std::vector<CoreRegion> regions(cores);
  const u64 rows = e.n * e.h, channels = e.c, p = cores;
  if (mode == PartitionMode::rows && !by_channels) {
    if (rows >= p) {
      for (u64 i = 0; i < p; ++i) regions[i] = {i * rows / p, (i + 1) * rows / p, 0, channels};
    } else {
      const u64 groups = std::min(p / rows, channels);
      for (u64 r = 0; r < rows; ++r)
        for (u64 g = 0; g < groups; ++g)
          regions[r * groups + g] = {r, r + 1, g * channels / groups, (g + 1) * channels / groups};
    }
    return regions;
  }
  if (channels >= p) {
    for (u64 i = 0; i < p; ++i) regions[i] = {0, rows, i * channels / p, (i + 1) * channels / p};
  } else {
    const u64 bands = by_channels ? 1 : std::min(p / channels, rows);
    for (u64 c = 0; c < channels; ++c)
      for (u64 r = 0; r < bands; ++r) regions[c * bands + r] = {r * rows / bands, (r + 1) * rows / bands, c, c + 1};
  }
  return regions;
}

// A region as boxes: a partial sample, whole samples, a partial sample (each may be absent).
std::vector<Box> region_boxes(const CoreRegion& r, const Extent& e) {
  std::vector<Box> boxes;
  u64 row = r.r0;
  while (row < r.r1) {
    const u64 n = row / e.h, h = row % e.h;
    if (h == 0 && row + e.h <= r.r1) {
      const u64 k = (r.r1 - row) / e.h;
      boxes.push_back({n, n + k, 0, e.h, 0, e.w, r.c0, r.c1});
      row += k * e.h;
    } else {
      const u64 end = std::min(r.r1, (n + 1) * e.h);
      boxes.push_back({n, n + 1, h, end - n * e.h, 0, e.w, r.c0, r.c1});
      row = end;
    }
  }
  return boxes;
}

// A region box cut into spatial tiles (channels as in the box).
void spatial_tiles(const Box& rb, const Extent& e, u64 rows, u64 cols, u64 samples, std::vector<Box>& out) {
  if (samples > 1 && rb.h0 == 0 && rb.h1 == e.h) {
    for (const auto& [a, b] : split_evenly(rb.n0, rb.n1, samples)) out.push_back({a, b, 0, e.h, 0, e.w, rb.c0, rb.c1});
    return;
  }
  for (u64 n = rb.n0; n < rb.n1; ++n)
    for (const auto& [h0, h1] : split_evenly(rb.h0, rb.h1, rows))
      for (const auto& [w0, w1] : split_evenly(rb.w0, rb.w1, cols)) out.push_back({n, n + 1, h0, h1, w0, w1, rb.c0, rb.c1});
}

// How an output box of a pointwise layer maps to the box one of its inputs reads.
struct InputMap {
  Extent in;
  bool window = false;  // pooling
  u64 kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1, pad_top = 0,
      pad_left = 0;
  u64 c_before = 0, c_after = 0;                      // LRN: channels read either side
  std::optional<std::uint32_t> full_axis;             // softmax: the NHWC axis read whole
  std::optional<std::array<std::uint32_t, 4>> from;   // transpose: the input axis of each output axis

  static InputMap same(const Extent& input) {
    InputMap m;
    m.in = input;
    return m;
  }

  Box map(const Box& out) const {
    Box b = out;
    if (from)
      for (std::uint32_t a = 0; a < 4; ++a) {
        const auto [lo, hi] = range(out, a);
        set_range(b, (*from)[a], lo, hi);
      }
    if (window) {
      std::tie(b.h0, b.h1) = window_input(out.h0, out.h1, stride_h, pad_top, (kernel_h - 1) * dilation_h + 1, in.h);
      std::tie(b.w0, b.w1) = window_input(out.w0, out.w1, stride_w, pad_left, (kernel_w - 1) * dilation_w + 1, in.w);
    }
    for (std::uint32_t a = 0; a < 4; ++a)
      if (dim(in, a) == 1) set_range(b, a, 0, 1);  // broadcast
    if (c_before || c_after) b.c0 -= std::min(b.c0, c_before), b.c1 = std::min(in.c, b.c1 + c_after);
    if (full_axis) set_range(b, *full_axis, 0, dim(in, *full_axis));
    return b;
  }

  // The lengths of the box an interior tile of these output lengths reads.
  std::array<u64, 4> lengths(u64 n, u64 h, u64 w, u64 c) const {
    std::array<u64, 4> len = {n, h, w, c};
    if (from) {
      std::array<u64, 4> moved{};
      for (std::uint32_t a = 0; a < 4; ++a) moved[(*from)[a]] = len[a];
      len = moved;
    }
    if (window) {
      len[1] = std::min(in.h, (len[1] - 1) * stride_h + (kernel_h - 1) * dilation_h + 1);
      len[2] = std::min(in.w, (len[2] - 1) * stride_w + (kernel_w - 1) * dilation_w + 1);
    }
    len[3] = std::min(in.c, len[3] + c_before + c_after);
    for (std::uint32_t a = 0; a < 4; ++a)
      if (dim(in, a) == 1) len[a] = 1;
    if (full_axis) len[*full_axis] = dim(in, *full_axis);
    return len;
  }
};

enum class ItemKind : std::uint8_t { conv, pointwise, global_pool };

// One piece of a step's work, partitioned and tiled on its own: a layer's computation, or the
// copy of one concat operand that could not be written in place.
struct Item {
  ItemKind kind = ItemKind::pointwise;
  ComputeOp op = ComputeOp::copy;
  u64 work_per_element = 1;  // per output element (global pooling: per input element)
  Placement out;
  std::vector<Placement> in;
  std::vector<InputMap> maps;  // pointwise: one per input
  ConvGeometry conv;
  std::optional<Placement> weights;  // a matrix: Extent{1, 1, rows, columns}
  u64 param_rows = 0;                // pointwise: per-channel weight rows
  bool by_channels = false;          // fully connected, global pooling, softmax
  std::vector<CoreRegion> regions;   // per core
  ConvTiling conv_tiling;
  PointwiseTiling tiling;
  u64 reduce_chunks = 1;  // softmax whose axis does not fit NBin: the axis is loaded in chunks
};

struct SlotOf {
  TensorId parent;  // the concat output (a model tensor)
  std::uint32_t axis;
  u64 offset;
};

struct WriteRecord {
  CoreId core;
  std::uint32_t step;
  Box box;  // in the tensor's own extent
};

struct Need {
  CoreId writer;
  std::uint32_t step;
  bool done = false;
};

class Lowerer {
 public:
  Lowerer(const Model& model, const MachineConfig& config, const LoweringOptions& options)
      : model_(model),
        options_(options),
        cores_(static_cast<std::uint32_t>(config.cores)),
        eb_(config.core.element_bytes),
        budget_(TileBudget::of(config)) {}

  Program run() {
    program_.cores = cores_;
    program_.element_bytes = eb_;
    program_.streams.resize(cores_);
    steps_ = plan_steps(model_, options_.fuse);
    for (const Step& s : steps_) program_.layers.push_back({s.name, s.op_label});
    readers_ = count_readers(model_);
    place_concat_operands();
    placement_.resize(model_.tensors.size());
    for (TensorId t = 0; t < model_.tensors.size(); ++t) claimed_.insert(model_.tensors[t].name);
    for (TensorId t = 0; t < model_.tensors.size(); ++t)
      if (model_.tensors[t].kind == TensorKind::input)
        placement_[t] = Placement::own(new_tensor(model_.tensors[t].name, model_.tensors[t].elements,
                                                  TensorKind::input, std::nullopt),
                                       extent_of(model_.tensors[t].shape));
    items_.resize(steps_.size());
    for (std::uint32_t s = 0; s < steps_.size(); ++s) build_items(s);
    plan_sync();
    for (std::uint32_t s = 0; s < steps_.size(); ++s) emit_step(s);
    return std::move(program_);
  }

 private:
  // ---- tensors and placements ----

  TensorId new_tensor(const std::string& name, u64 elements, TensorKind kind, std::optional<LayerId> producer) {
    const auto bytes = checked_mul(elements, eb_);
    if (!bytes || *bytes > kMaxTensorBytes)
      throw InputError({model_.source}, fmt::format("tensor '{}' is larger than the {}-byte limit of a tensor",
                                                    name, kMaxTensorBytes));
    program_.tensors.push_back({name, *bytes, kind, producer});
    writes_.emplace_back();
    return static_cast<TensorId>(program_.tensors.size() - 1);
  }

  // The model's name of the layer's first weight, unless another trace tensor took it.
  std::string weight_name(const Step& step, const ModelLayer& layer) {
    if (!layer.weights.empty()) {
      const std::string& own = model_.tensors[layer.weights[0]].name;
      if (weight_names_.insert(own).second) return own;
    }
    for (int i = 1;; ++i) {
      std::string candidate = i == 1 ? step.name + ".weights" : fmt::format("{}.weights_{}", step.name, i);
      if (!claimed_.contains(candidate) && weight_names_.insert(candidate).second) return candidate;
    }
  }

  // Concat operands read by nothing else are written straight into their slot of the output.
  void place_concat_operands() {
    slot_of_.resize(model_.tensors.size());
    std::vector<bool> computed(model_.tensors.size(), false);
    for (const Step& s : steps_)
      if (s.kind != StepKind::view) computed[s.output] = true;
    for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) {
      if (it->kind != StepKind::concat) continue;
      const ModelLayer& layer = model_.layers[it->primary];
      const std::uint32_t axis = kNhwcOfNchw[std::get<AxisParams>(layer.params).axis];
      u64 offset = 0;
      for (const TensorId t : layer.inputs) {
        const ModelTensor& operand = model_.tensors[t];
        if (readers_[t] == 1 && computed[t] && operand.kind == TensorKind::activation)
          slot_of_[t] = SlotOf{layer.output, axis, offset};
        offset += dim(extent_of(operand.shape), axis);
      }
    }
  }

  // The placement of a tensor `step` writes, creating its trace tensor on first use.
  Placement resolve(TensorId t, std::uint32_t step) {
    if (placement_[t]) return *placement_[t];
    const ModelTensor& mt = model_.tensors[t];
    Placement p;
    if (slot_of_[t]) {
      p = resolve(slot_of_[t]->parent, step).slot(extent_of(mt.shape), slot_of_[t]->axis, slot_of_[t]->offset);
    } else {
      p = Placement::own(new_tensor(mt.name, mt.elements, mt.kind, step), extent_of(mt.shape));
    }
    placement_[t] = p;
    return p;
  }

  const Placement& read_placement(TensorId t) const {
    if (!placement_[t]) throw std::logic_error("internal error: a tensor is read before it is written");
    return *placement_[t];
  }

  Placement new_weights(const Step& step, const ModelLayer& layer, u64 rows, u64 columns) {
    const TensorId id = new_tensor(weight_name(step, layer), rows * columns, TensorKind::weight, std::nullopt);
    return Placement::own(id, {1, 1, rows, columns});
  }

  u64 weight_elements(const ModelLayer& layer, std::size_t from) const {
    u64 total = 0;
    for (std::size_t i = from; i < layer.weights.size(); ++i) total += model_.tensors[layer.weights[i]].elements;
    return total;
  }

  // ---- items ----

  void build_items(std::uint32_t s) {
    const Step& step = steps_[s];
    const ModelLayer& layer = model_.layers[step.primary];
    if (step.kind == StepKind::view) {
      const ModelTensor& out = model_.tensors[step.output];
      placement_[step.output] = read_placement(layer.inputs[0]).view_as(extent_of(out.shape));
      if (out.kind == TensorKind::output) {
        Tensor& t = program_.tensors[placement_[step.output]->tensor];
        if (t.kind == TensorKind::activation) t.kind = TensorKind::output;
      }
      return;
    }
    if (step.kind == StepKind::concat) {
      const Placement out = resolve(step.output, s);
      const std::uint32_t axis = kNhwcOfNchw[std::get<AxisParams>(layer.params).axis];
      u64 offset = 0;
      for (const TensorId t : layer.inputs) {
        const Extent e = extent_of(model_.tensors[t].shape);
        if (!slot_of_[t] || slot_of_[t]->parent != step.output) {
          Item item;
          item.op = ComputeOp::copy;
          item.in = {read_placement(t)};
          item.maps = {InputMap::same(e)};
          item.out = out.slot(e, axis, offset);
          finish_pointwise(s, item);
        }
        offset += dim(e, axis);
      }
      return;
    }
    switch (layer.op) {
      case Op::conv:
      case Op::fully_connected:
        return build_conv(s);
      case Op::global_avg_pool:
        return build_global_pool(s);
      default:
        return build_pointwise(s);
    }
  }

  void build_conv(std::uint32_t s) {
    const Step& step = steps_[s];
    const ModelLayer& layer = model_.layers[step.primary];
    const ModelTensor& input = model_.tensors[layer.inputs[0]];
    Item item;
    item.kind = ItemKind::conv;
    ConvGeometry& g = item.conv;
    g.out = extent_of(model_.tensors[step.output].shape);
    u64 extra = weight_elements(layer, 1);
    for (const LayerId f : step.followers) extra += weight_elements(model_.layers[f], 0);
    g.param_rows = ceil_div(extra, g.out.c);
    if (layer.op == Op::conv) {
      const auto& p = std::get<ConvParams>(layer.params);
      item.op = ComputeOp::conv;
      g.in = extent_of(input.shape);
      g.kernel_h = p.window.kernel_h, g.kernel_w = p.window.kernel_w;
      g.stride_h = p.window.stride_h, g.stride_w = p.window.stride_w;
      g.dilation_h = p.window.dilation_h, g.dilation_w = p.window.dilation_w;
      g.pad_top = p.window.pad.top, g.pad_left = p.window.pad.left;
      g.groups = p.groups;
      item.in = {read_placement(layer.inputs[0])};
    } else {
      item.op = ComputeOp::fc;
      item.by_channels = true;
      g.in = {input.shape.n, 1, 1, input.elements / input.shape.n};
      item.in = {read_placement(layer.inputs[0]).view_as(g.in)};
    }
    item.weights = new_weights(step, layer, g.weight_rows(), g.out.c);
    item.out = resolve(step.output, s);
    item.regions = partition(g.out, cores_, options_.partition, item.by_channels);
    const auto [rows, channels] = largest_part(item.regions);
    const auto tiling = choose_conv_tiling(g, budget_, rows, channels);
    if (!tiling)
      throw InputError({model_.source},
                       fmt::format("layer '{}': not even one output element of one channel fits the core's "
                                   "buffers (NBin {} B, SB {} B, NBout {} B)",
                                   step.name, budget_.nbin, budget_.sb, budget_.nbout));
    item.conv_tiling = *tiling;
    items_[s].push_back(std::move(item));
  }

  void build_global_pool(std::uint32_t s) {
    const Step& step = steps_[s];
    const ModelLayer& layer = model_.layers[step.primary];
    Item item;
    item.kind = ItemKind::global_pool;
    item.op = ComputeOp::pool;
    item.by_channels = true;
    item.in = {read_placement(layer.inputs[0])};
    item.out = resolve(step.output, s);
    item.regions = partition(item.out.shape, cores_, options_.partition, true);
    const Extent in = item.in[0].shape;
    PointwiseShape shape;
    shape.out = in;
    shape.rows_per_core = in.n * in.h;
    shape.channels_per_core = largest_part(item.regions).second;
    shape.reduces_spatially = true;
    const TileBudget& budget = budget_;
    shape.input = [in, &budget](u64 n, u64 h, u64 w, u64 c) {
      return TileInput{n * h * w * c, range_cost(in, n, h, w, c, budget)};
    };
    const auto tiling = choose_pointwise_tiling(shape, budget_);
    if (!tiling) throw_no_fit(step);
    item.tiling = *tiling;
    items_[s].push_back(std::move(item));
  }

  void build_pointwise(std::uint32_t s) {
    const Step& step = steps_[s];
    const ModelLayer& layer = model_.layers[step.primary];
    Item item;
    for (const TensorId t : layer.inputs) {
      item.in.push_back(read_placement(t));
      item.maps.push_back(InputMap::same(item.in.back().shape));
    }
    const Extent out = extent_of(model_.tensors[step.output].shape);
    switch (layer.op) {
      case Op::max_pool:
      case Op::avg_pool: {
        const auto& w = std::get<PoolParams>(layer.params).window;
        item.op = ComputeOp::pool;
        item.work_per_element = w.kernel_h * w.kernel_w;
        InputMap& m = item.maps[0];
        m.window = true;
        m.kernel_h = w.kernel_h, m.kernel_w = w.kernel_w, m.stride_h = w.stride_h, m.stride_w = w.stride_w;
        m.dilation_h = w.dilation_h, m.dilation_w = w.dilation_w, m.pad_top = w.pad.top, m.pad_left = w.pad.left;
        break;
      }
      case Op::relu:
      case Op::relu6:
      case Op::sigmoid:
        item.op = ComputeOp::activation;
        break;
      case Op::batch_norm:
      case Op::scale:
      case Op::bias:
        item.op = ComputeOp::norm;
        break;
      case Op::add:
      case Op::mul:
        item.op = ComputeOp::eltwise;
        item.work_per_element = layer.inputs.size() - 1;
        break;
      case Op::lrn: {
        const u64 size = std::get<LrnParams>(layer.params).size;
        item.op = ComputeOp::norm;
        item.work_per_element = size;
        item.maps[0].c_before = (size - 1) / 2, item.maps[0].c_after = size / 2;
        break;
      }
      case Op::softmax:
        item.op = ComputeOp::softmax;
        item.work_per_element = 3;
        item.by_channels = true;
        item.maps[0].full_axis = kNhwcOfNchw[std::get<AxisParams>(layer.params).axis];
        break;
      case Op::transpose: {
        item.op = ComputeOp::copy;
        const auto& p = std::get<TransposeParams>(layer.params);
        if (p.sample_dims.empty()) {
          std::array<std::uint32_t, 4> from{};
          for (std::uint32_t a = 0; a < 4; ++a) from[a] = kNhwcOfNchw[p.perm[kNchwOfNhwc[a]]];
          item.maps[0].from = from;
        } else {
          // A transpose of a folded view: read as many elements, at the same positions, as it writes.
          item.in[0] = item.in[0].view_as(out);
          item.maps[0] = InputMap::same(out);
        }
        break;
      }
      default:
        throw std::logic_error(fmt::format("internal error: op {} has no lowering", to_string(layer.op)));
    }
    if (!layer.weights.empty()) {
      item.param_rows = ceil_div(weight_elements(layer, 0), out.c);
      item.weights = new_weights(step, layer, item.param_rows, out.c);
    }
    item.out = resolve(step.output, s);
    finish_pointwise(s, item);
  }

  void finish_pointwise(std::uint32_t s, Item& item) {
    item.kind = ItemKind::pointwise;
    item.regions = partition(item.out.shape, cores_, options_.partition, item.by_channels);
    const auto [rows, channels] = largest_part(item.regions);
    PointwiseShape shape;
    shape.out = item.out.shape;
    shape.rows_per_core = rows;
    shape.channels_per_core = channels;
    shape.param_rows = item.param_rows;
    shape.inputs = item.in.size();
    const std::vector<InputMap>& maps = item.maps;
    const TileBudget& budget = budget_;
    shape.input = [&maps, &budget](u64 n, u64 h, u64 w, u64 c) {
      TileInput total;
      for (const InputMap& m : maps) {
        const auto len = m.lengths(n, h, w, c);
        total.elements += len[0] * len[1] * len[2] * len[3];
        total.cost += range_cost(m.in, len[0], len[1], len[2], len[3], budget);
      }
      return total;
    };
    const auto tiling = choose_pointwise_tiling(shape, budget_);
    if (tiling) {
      item.tiling = *tiling;
    } else if (item.op == ComputeOp::softmax && item.in.size() == 1 && item.param_rows * budget_.element_bytes <= budget_.sb) {
      // One output element's whole axis does not fit NBin: load the axis in chunks.
      item.tiling = {1, 1, 1, 1};
      const u64 per_chunk = std::max<u64>(1, budget_.nbin / budget_.element_bytes);
      item.reduce_chunks = ceil_div(dim(item.in[0].shape, *maps[0].full_axis), per_chunk);
    } else {
      throw_no_fit(steps_[s]);
    }
    items_[s].push_back(std::move(item));
  }

  [[noreturn]] void throw_no_fit(const Step& step) const {
    throw InputError({model_.source}, fmt::format("layer '{}': not even one output element fits the core's "
                                                  "buffers (NBin {} B, SB {} B, NBout {} B)",
                                                  step.name, budget_.nbin, budget_.sb, budget_.nbout));
  }

  static std::pair<u64, u64> largest_part(const std::vector<CoreRegion>& regions) {
    u64 rows = 1, channels = 1;
    for (const CoreRegion& r : regions)
      if (!r.empty()) rows = std::max(rows, r.r1 - r.r0), channels = std::max(channels, r.c1 - r.c0);
    return {rows, channels};
  }

  // What input `i` of `item` reads for output box `out`, over the whole reduction.
  Box footprint(const Item& item, std::size_t i, const Box& out) const {
    const Extent& in = item.in[i].shape;
    switch (item.kind) {
      case ItemKind::conv: {
        const ConvGeometry& g = item.conv;
        Box b{out.n0, out.n1, 0, 0, 0, 0, 0, 0};
        std::tie(b.h0, b.h1) = window_input(out.h0, out.h1, g.stride_h, g.pad_top, g.span_h(), in.h);
        std::tie(b.w0, b.w1) = window_input(out.w0, out.w1, g.stride_w, g.pad_left, g.span_w(), in.w);
        const u64 icg = g.in_per_group(), ocg = g.out_per_group();
        b.c0 = out.c0 / ocg * icg;
        b.c1 = ((out.c1 - 1) / ocg + 1) * icg;
        return b;
      }
      case ItemKind::global_pool:
        return {out.n0, out.n1, 0, in.h, 0, in.w, out.c0, out.c1};
      case ItemKind::pointwise:
        break;
    }
    return item.maps[i].map(out);
  }

  // ---- synchronisation plan (p2p): who reads whose bytes, from each core's whole part ----

  void plan_sync() {
    const std::size_t n = steps_.size();
    needs_.assign(n, std::vector<std::vector<Need>>(cores_));
    readers_of_.assign(n, std::vector<std::vector<std::pair<CoreId, std::uint32_t>>>(cores_));
    if (options_.sync != SyncMode::p2p) return;
    for (std::uint32_t s = 0; s < n; ++s) {
      for (const Item& item : items_[s])
        for (CoreId c = 0; c < cores_; ++c) {
          if (item.regions[c].empty()) continue;
          for (const Box& rb : region_boxes(item.regions[c], item.out.shape))
            for (std::size_t i = 0; i < item.in.size(); ++i) {
              const Box b = footprint(item, i, rb);
              if (b.empty()) continue;
              const Box tb = tensor_box(item.in[i], b);
              for (const WriteRecord& w : writes_[item.in[i].tensor])
                if (w.core != c && w.box.intersects(tb)) add_need(s, c, w.core, w.step);
            }
        }
      for (const Item& item : items_[s])
        for (CoreId c = 0; c < cores_; ++c) {
          if (item.regions[c].empty()) continue;
          for (const Box& rb : region_boxes(item.regions[c], item.out.shape))
            writes_[item.out.tensor].push_back({c, s, tensor_box(item.out, rb)});
        }
    }
    // The k-th signal of a writer to a reader is the one after the k-th step the reader reads from it.
    for (std::uint32_t s = 0; s < n; ++s)
      for (CoreId c = 0; c < cores_; ++c)
        for (const Need& need : needs_[s][c]) readers_of_[need.step][need.writer].push_back({c, 0});
    std::vector<std::vector<std::uint32_t>> count(cores_, std::vector<std::uint32_t>(cores_, 0));
    for (std::uint32_t s = 0; s < n; ++s)
      for (CoreId w = 0; w < cores_; ++w) {
        auto& readers = readers_of_[s][w];
        std::sort(readers.begin(), readers.end());
        readers.erase(std::unique(readers.begin(), readers.end()), readers.end());
        for (auto& [reader, index] : readers) index = count[w][reader]++;
      }
    consumed_.assign(cores_, std::vector<std::uint32_t>(cores_, 0));
  }

  void add_need(std::uint32_t step, CoreId reader, CoreId writer, std::uint32_t from_step) {
    auto& needs = needs_[step][reader];
    for (const Need& n : needs)
      if (n.writer == writer && n.step == from_step) return;
    needs.push_back({writer, from_step});
  }

  SemaphoreId semaphore(CoreId writer, CoreId reader) const { return writer * cores_ + reader; }

  // ---- emission ----

  void emit(Operation op) { stream_->push_back({std::move(op), layer_, 0}); }

  // Waits (on the current core) until `writer`'s stores of `step` happen before what follows.
  void wait_for(CoreId writer, std::uint32_t step) {
    const auto& readers = readers_of_[step][writer];
    const auto it = std::lower_bound(readers.begin(), readers.end(), std::make_pair(core_, std::uint32_t{0}));
    if (it == readers.end() || it->first != core_) throw std::logic_error("internal error: an unplanned wait");
    std::uint32_t& consumed = consumed_[core_][writer];
    while (consumed <= it->second) {
      emit(Wait{semaphore(writer, core_)});
      ++consumed;
    }
  }

  void load(const Placement& p, const Box& box, OnChipBuffer buffer) {
    if (box.empty()) return;
    if (options_.sync == SyncMode::p2p && !pending_->empty()) {
      const Box tb = tensor_box(p, box);
      for (Need& need : *pending_) {
        if (need.done) continue;
        for (const WriteRecord& w : writes_[p.tensor])
          if (w.core == need.writer && w.step == need.step && w.box.intersects(tb)) {
            wait_for(need.writer, need.step);
            need.done = true;
            break;
          }
      }
    }
    ranges_.clear();
    append_ranges(p, box, eb_, ranges_);
    for (const TensorRange& r : ranges_) emit(Load{p.tensor, r, buffer});
  }

  void store(const Placement& p, const Box& box) {
    ranges_.clear();
    append_ranges(p, box, eb_, ranges_);
    for (const TensorRange& r : ranges_) emit(Store{p.tensor, r, OnChipBuffer::nbout});
  }

  void load_weights(const Item& item, u64 row0, u64 row1, u64 col0, u64 col1) {
    load(*item.weights, {0, 1, 0, 1, row0, row1, col0, col1}, OnChipBuffer::sb);
  }

  void emit_step(std::uint32_t s) {
    if (items_[s].empty()) return;
    layer_ = s;
    for (CoreId c = 0; c < cores_; ++c) {
      core_ = c;
      stream_ = &program_.streams[c];
      pending_ = &needs_[s][c];
      for (const Item& item : items_[s]) {
        if (item.regions[c].empty()) continue;
        switch (item.kind) {
          case ItemKind::conv: emit_conv(item, item.regions[c]); break;
          case ItemKind::pointwise: emit_pointwise(item, item.regions[c]); break;
          case ItemKind::global_pool: emit_global_pool(item, item.regions[c]); break;
        }
      }
      if (options_.sync == SyncMode::p2p) {
        for (Need& need : *pending_)
          if (!need.done) wait_for(need.writer, need.step), need.done = true;
        for (const auto& [reader, index] : readers_of_[s][c]) emit(Signal{semaphore(c, reader)});
      }
    }
    if (options_.sync == SyncMode::barrier && cores_ > 1 && s < last_computing_step()) {
      const auto id = static_cast<BarrierId>(program_.barriers.size());
      std::vector<CoreId> all(cores_);
      for (CoreId c = 0; c < cores_; ++c) all[c] = c;
      program_.barriers.emplace(id, std::move(all));
      for (CoreId c = 0; c < cores_; ++c) program_.streams[c].push_back({Barrier{id}, layer_, 0});
    }
  }

  std::uint32_t last_computing_step() const {
    for (std::uint32_t s = static_cast<std::uint32_t>(items_.size()); s-- > 0;)
      if (!items_[s].empty()) return s;
    return 0;
  }

  struct OcChunk {
    u64 o0, o1;
    bool spans;  // whole groups; the input channels of every group in it
  };

  static std::vector<OcChunk> oc_chunks(const ConvGeometry& g, u64 c0, u64 c1, u64 toc) {
    std::vector<OcChunk> chunks;
    const u64 ocg = g.out_per_group();
    if (g.groups == 1) {
      for (const auto& [a, b] : split_evenly(c0, c1, toc)) chunks.push_back({a, b, false});
      return chunks;
    }
    if (toc >= ocg) {
      u64 a = c0;
      if (a % ocg != 0) {
        const u64 e = std::min(c1, (a / ocg + 1) * ocg);
        chunks.push_back({a, e, false});
        a = e;
      }
      const u64 b = std::max(a, c1 - c1 % ocg);
      for (const auto& [g0, g1] : split_evenly(0, (b - a) / ocg, toc / ocg))
        chunks.push_back({a + g0 * ocg, a + g1 * ocg, true});
      if (b < c1) chunks.push_back({b, c1, false});
      return chunks;
    }
    for (u64 group = c0 / ocg; group * ocg < c1; ++group)
      for (const auto& [a, b] : split_evenly(std::max(c0, group * ocg), std::min(c1, (group + 1) * ocg), toc))
        chunks.push_back({a, b, false});
    return chunks;
  }

  void emit_conv(const Item& item, const CoreRegion& region) {
    const ConvGeometry& g = item.conv;
    const ConvTiling& t = item.conv_tiling;
    const u64 icg = g.in_per_group(), ocg = g.out_per_group(), k2 = g.kernel_area();
    std::vector<Box> tiles;
    for (const Box& rb : region_boxes(region, g.out)) spatial_tiles(rb, g.out, t.rows, t.cols, t.samples, tiles);
    const std::vector<OcChunk> ocs = oc_chunks(g, region.c0, region.c1, t.out_channels);
    struct IcChunk {
      u64 c0, c1;    // input channels
      u64 r0, r1;    // weight rows
      u64 channels;  // input channels per output channel (MACs per output = channels x kernel area)
    };
    auto ic_chunks = [&](const OcChunk& oc) {
      std::vector<IcChunk> chunks;
      if (oc.spans) {
        chunks.push_back({oc.o0 / ocg * icg, oc.o1 / ocg * icg, 0, g.weight_rows(), icg});
        return chunks;
      }
      const u64 base = oc.o0 / ocg * icg;
      for (const auto& [a, b] : split_evenly(0, icg, t.in_channels))
        chunks.push_back({base + a, base + b, a * k2, b == icg ? g.weight_rows() : b * k2, b - a});
      return chunks;
    };
    std::array<u64, 3> in_key{~u64{0}, 0, 0};
    std::array<u64, 4> w_key{~u64{0}, 0, 0, 0};
    auto tile = [&](std::size_t sp, const OcChunk& oc, const IcChunk& ic, bool last) {
      const Box& out = tiles[sp];
      const std::array<u64, 3> ik{sp, ic.c0, ic.c1};
      if (ik != in_key) {
        Box in = footprint(item, 0, {out.n0, out.n1, out.h0, out.h1, out.w0, out.w1, oc.o0, oc.o1});
        in.c0 = ic.c0, in.c1 = ic.c1;
        load(item.in[0], in, OnChipBuffer::nbin);
        in_key = ik;
      }
      const std::array<u64, 4> wk =
          t.whole_weights ? std::array<u64, 4>{oc.o0, oc.o1, 0, g.weight_rows()} : std::array<u64, 4>{oc.o0, oc.o1, ic.r0, ic.r1};
      if (wk != w_key) {
        load_weights(item, wk[2], wk[3], oc.o0, oc.o1);
        w_key = wk;
      }
      const u64 pixels = (out.n1 - out.n0) * (out.h1 - out.h0) * (out.w1 - out.w0);
      emit(Compute{item.op, pixels * (oc.o1 - oc.o0) * ic.channels * k2});
      if (last) store(item.out, {out.n0, out.n1, out.h0, out.h1, out.w0, out.w1, oc.o0, oc.o1});
    };
    auto all_ic = [&](std::size_t sp, const OcChunk& oc) {
      const std::vector<IcChunk> ics = ic_chunks(oc);
      for (std::size_t i = 0; i < ics.size(); ++i) tile(sp, oc, ics[i], i + 1 == ics.size());
    };
    for (std::size_t first = 0; first < tiles.size(); first += t.strip) {
      const std::size_t last = std::min(tiles.size(), first + t.strip);
      for (const OcChunk& oc : ocs)
        for (std::size_t sp = first; sp < last; ++sp) all_ic(sp, oc);
    }
  }

  void emit_pointwise(const Item& item, const CoreRegion& region) {
    const PointwiseTiling& t = item.tiling;
    std::vector<Box> tiles;
    for (const Box& rb : region_boxes(region, item.out.shape))
      spatial_tiles(rb, item.out.shape, t.rows, t.cols, t.samples, tiles);
    const auto channel_chunks = split_evenly(region.c0, region.c1, t.channels);
    for (const Box& sp : tiles)
      for (const auto& [c0, c1] : channel_chunks) {
        Box out = sp;
        out.c0 = c0, out.c1 = c1;
        const u64 work = out.elements() * item.work_per_element;
        for (u64 k = 0; k < item.reduce_chunks; ++k) {
          for (std::size_t i = 0; i < item.in.size(); ++i) {
            Box in = item.maps[i].map(out);
            if (item.reduce_chunks > 1) {
              const std::uint32_t axis = *item.maps[i].full_axis;
              const u64 len = dim(item.in[i].shape, axis);
              set_range(in, axis, k * len / item.reduce_chunks, (k + 1) * len / item.reduce_chunks);
            }
            load(item.in[i], in, OnChipBuffer::nbin);
          }
          if (item.weights && k == 0) load_weights(item, 0, item.param_rows, c0, c1);
          emit(Compute{item.op, (k + 1) * work / item.reduce_chunks - k * work / item.reduce_chunks});
        }
        store(item.out, out);
      }
  }

  void emit_global_pool(const Item& item, const CoreRegion& region) {
    const PointwiseTiling& t = item.tiling;
    const Extent& in = item.in[0].shape;
    const auto channel_chunks = split_evenly(region.c0, region.c1, t.channels);
    // Output rows are samples (H = 1); each output tile reduces the chunks of its samples' input.
    std::vector<std::pair<u64, u64>> sample_groups;
    if (t.samples > 1)
      sample_groups = split_evenly(region.r0, region.r1, t.samples);
    else
      for (u64 n = region.r0; n < region.r1; ++n) sample_groups.push_back({n, n + 1});
    std::vector<Box> chunks;
    for (const auto& [c0, c1] : channel_chunks)
      for (const auto& [n0, n1] : sample_groups) {
        chunks.clear();
        spatial_tiles({n0, n1, 0, in.h, 0, in.w, c0, c1}, in, t.rows, t.cols, t.samples, chunks);
        for (const Box& chunk : chunks) {
          load(item.in[0], chunk, OnChipBuffer::nbin);
          emit(Compute{item.op, chunk.elements() * item.work_per_element});
        }
        store(item.out, {n0, n1, 0, 1, 0, 1, c0, c1});
      }
  }

  const Model& model_;
  const LoweringOptions options_;
  const std::uint32_t cores_;
  const u64 eb_;
  const TileBudget budget_;
  Program program_;
  std::vector<Step> steps_;
  std::vector<std::uint32_t> readers_;
  std::vector<std::optional<SlotOf>> slot_of_;
  std::vector<std::optional<Placement>> placement_;
  std::set<std::string> claimed_, weight_names_;
  std::vector<std::vector<Item>> items_;  // per step
  std::vector<std::vector<WriteRecord>> writes_;  // per trace tensor
  std::vector<std::vector<std::vector<Need>>> needs_;  // per step, per reader core
  // Per step, per writer core: the readers and the index of the writer's signal to each.
  std::vector<std::vector<std::vector<std::pair<CoreId, std::uint32_t>>>> readers_of_;
  std::vector<std::vector<std::uint32_t>> consumed_;  // per reader, per writer: waits emitted
  // The emission cursor.
  std::vector<Instruction>* stream_ = nullptr;
  std::optional<LayerId> layer_;
  CoreId core_ = 0;
  std::vector<Need>* pending_ = nullptr;
  std::vector<TensorRange> ranges_;
};

}  // namespace

std::string_view to_string(SyncMode mode) { return mode == SyncMode::barrier ? "barrier" : "p2p"; }
std::string_view to_string(PartitionMode mode) { return mode == PartitionMode::rows ? "rows" : "channels"; }

std::optional<SyncMode> parse_sync_mode(std::string_view text) {
  if (text == "barrier") return SyncMode::barrier;
  if (text == "p2p") return SyncMode::p2p;
  return std::nullopt;
}

std::optional<PartitionMode> parse_partition_mode(std::string_view text) {
  if (text == "rows") return PartitionMode::rows;
  if (text == "channels") return PartitionMode::channels;
  return std::nullopt;
}

Program lower(const Model& model, const MachineConfig& config, const LoweringOptions& options) {
  if (config.cores == 0 || config.cores > 65536)
    throw InputError({config.source}, fmt::format("cannot lower onto {} cores", config.cores));
  return Lowerer(model, config, options).run();
}

}  // namespace tetris::workloads
