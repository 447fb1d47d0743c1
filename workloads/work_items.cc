#include "workloads/work_items.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string>

#include <fmt/format.h>

#include "common/checked_math.h"
#include "common/input_error.h"
#include "workloads/fusion.h"

namespace tetris::workloads {
namespace {

using u64 = std::uint64_t;
using i64 = std::int64_t;
constexpr std::array<std::uint32_t, 4> kNhwcOfNchw = {0, 3, 1, 2};
constexpr std::array<std::uint32_t, 4> kNchwOfNhwc = {0, 2, 3, 1};

Extent extent_of(const Shape& s) { return {s.n, s.h, s.w, s.c}; }


std::pair<u64, u64> range(const Box& b, std::uint32_t axis) {
  switch (axis) {
    case 0: return {b.n0, b.n1};
    case 1: return {b.h0, b.h1};
    case 2: return {b.w0, b.w1};
    default: return {b.c0, b.c1};
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


std::vector<CoreRegion> partition(const Extent& e, std::uint32_t cores, PartitionMode mode, bool by_channels) {
  std::vector<CoreRegion> regions(cores);
  const u64 rows = e.n * e.h, channels = e.c, p = cores;
  if (mode != PartitionMode::channels && !by_channels) {
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

}  // namespace

std::vector<CoreRegion> partition_grid(const Extent& e, std::uint32_t cores, std::uint32_t groups) {
  std::vector<CoreRegion> regions(cores);
  const u64 rows = e.n * e.h, channels = e.c;
  const u64 g_count = std::max<u64>(1, std::min<u64>(groups, channels));
  const u64 bands = std::max<u64>(1, std::min<u64>(cores / g_count, rows));
  for (u64 b = 0; b < bands; ++b)
    for (u64 g = 0; g < g_count; ++g)
      regions[b * g_count + g] = {b * rows / bands, (b + 1) * rows / bands, g * channels / g_count,
                                  (g + 1) * channels / g_count};
  return regions;
}

namespace {

std::pair<u64, u64> largest_part(const std::vector<CoreRegion>& regions) {
  u64 rows = 1, channels = 1;
  for (const CoreRegion& r : regions)
    if (!r.empty()) rows = std::max(rows, r.r1 - r.r0), channels = std::max(channels, r.c1 - r.c0);
  return {rows, channels};
}

// On a memory that multicasts, the budget with the most cores that load one input slice together
// (the same output rows and the same groups of a grouped convolution, whose inputs are the
// groups' own channels) and one weight slice together (the same output channels).
TileBudget with_sharers(TileBudget budget, const ConvGeometry& g, const std::vector<CoreRegion>& regions) {
  if (!budget.multicast) return budget;
  const u64 ocg = std::max<u64>(1, g.out_per_group());
  std::map<std::array<u64, 4>, double> by_input;
  std::map<std::pair<u64, u64>, double> by_channels;
  for (const CoreRegion& r : regions) {
    if (r.empty()) continue;
    const std::array<u64, 4> input = {r.r0, r.r1, g.groups > 1 ? r.c0 / ocg : 0, g.groups > 1 ? (r.c1 - 1) / ocg : 0};
    budget.input_sharers = std::max(budget.input_sharers, ++by_input[input]);
    budget.weight_sharers = std::max(budget.weight_sharers, ++by_channels[{r.c0, r.c1}]);
  }
  return budget;
}
}  // namespace

std::optional<PartitionChoice> choose_partition(const ConvGeometry& g, const TileBudget& budget, std::uint32_t cores,
                                                double macs_per_core_cycle) {
  std::optional<PartitionChoice> best;
  double best_cycles = std::numeric_limits<double>::infinity();
  for (std::uint32_t groups = 1; groups <= cores; ++groups) {
    if (cores % groups != 0) continue;
    std::vector<CoreRegion> regions = partition_grid(g.out, cores, groups);
    const auto [rows, channels] = largest_part(regions);
    const double active = static_cast<double>(
        std::count_if(regions.begin(), regions.end(), [](const CoreRegion& r) { return !r.empty(); }));
    TileBudget shared = with_sharers(budget, g, regions);
    shared.bus_sharers = std::max(1.0, active);
    const std::optional<ConvTiling> tiling = choose_conv_tiling(g, shared, rows, channels);
    if (!tiling) continue;
    const double macs = static_cast<double>(rows) * static_cast<double>(g.out.w) * static_cast<double>(channels) *
                        static_cast<double>(g.in_per_group() * g.kernel_area());
    // The bus is shared: all cores' bytes pass through it; each core also waits for its own
    // requests one by one, and computes its part.
    const double cycles = std::max({active * tiling->bus_bytes / budget.bytes_per_cycle, tiling->memory_cycles,
                                    macs / macs_per_core_cycle});
    // More row bands keep bytes dying behind the band (smaller plans): a grid with more channel
    // groups (strided stores: more pieces, later deaths) must be clearly faster to be chosen.
    if (cycles < 0.9 * best_cycles) {
      best_cycles = cycles;
      best = PartitionChoice{std::move(regions), *tiling, groups, cycles};
    }
  }
  return best;
}

namespace {

struct SlotOf {
  TensorId parent;  // the concat output (a model tensor)
  std::uint32_t axis;
  u64 offset;
};

// Names the trace tensors, places model tensors (own tensor, concat slot or view) and builds the
// items step by step; its state lives only while build_work_items runs.
class WorkItemBuilder {
 public:
  WorkItemBuilder(const Model& model, const MachineConfig& config, const LoweringOptions& options)
      : model_(model),
        options_(options),
        cores_(static_cast<std::uint32_t>(config.cores)),
        eb_(config.core.element_bytes),
        budget_(TileBudget::of(config)),
        index_bits_(config.core.index_bits),
        macs_per_core_cycle_(static_cast<double>(std::max<std::uint64_t>(
            1, config.core.pe_count * config.core.macs_per_pe_per_cycle))) {}

  WorkPlan run() {
    plan_.cores = cores_;
    plan_.element_bytes = eb_;
    steps_ = plan_steps(model_, options_.fuse, options_.fuse_residual);
    for (const Step& s : steps_) plan_.layers.push_back({s.name, s.op_label});
    readers_ = count_readers(model_);
    place_concat_operands();
    placement_.resize(model_.tensors.size());
    for (TensorId t = 0; t < model_.tensors.size(); ++t) claimed_.insert(model_.tensors[t].name);
    for (TensorId t = 0; t < model_.tensors.size(); ++t)
      if (model_.tensors[t].kind == TensorKind::input)
        placement_[t] = Placement::own(new_tensor(model_.tensors[t].name, model_.tensors[t].elements,
                                                  TensorKind::input, std::nullopt),
                                       extent_of(model_.tensors[t].shape));
    plan_.items.resize(steps_.size());
    for (std::uint32_t s = 0; s < steps_.size(); ++s) build_items(s);
    return std::move(plan_);
  }

 private:
  // ---- tensors and placements ----

  TensorId new_tensor(const std::string& name, u64 elements, TensorKind kind, std::optional<LayerId> producer) {
    const auto bytes = checked_mul(elements, eb_);
    if (!bytes || *bytes > kMaxTensorBytes)
      throw InputError({model_.source}, fmt::format("tensor '{}' is larger than the {}-byte limit of a tensor",
                                                    name, kMaxTensorBytes));
    plan_.tensors.push_back({name, *bytes, kind, producer, {}});
    return static_cast<TensorId>(plan_.tensors.size() - 1);
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
    for (const Step& s : steps_) {
      // A product of two activations writes its result as matrices (a reshaped view), which
      // cannot be a slot: the concat copies it.
      const ModelLayer& primary = model_.layers[s.primary];
      const bool matrices = primary.op == Op::matmul && primary.inputs.size() == 2;
      if (s.kind != StepKind::view && !matrices) computed[s.output] = true;
    }
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
        Tensor& t = plan_.tensors[placement_[step.output]->tensor];
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
          WorkItem item;
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
      case Op::matmul:
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
    WorkItem item;
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
    } else if (layer.op == Op::matmul && layer.inputs.size() == 2) {
      // (N, C, M, K) x (N, C, K, P), C the heads: N x C matrix products, each a 1x1 convolution
      // over M rows whose weights are that matrix's K x P operand, loaded into SB as synapses.
      // Both operands and the result are read as matrices laid out one after another, as
      // attention kernels keep them. Fused scalar constants (the 1/sqrt(d) scale) ride in the
      // instruction: no parameter rows.
      const Shape& a = input.shape;
      const Shape& b = model_.tensors[layer.inputs[1]].shape;
      const u64 matrices = a.n * a.c;
      item.op = ComputeOp::fc;
      g.in = {matrices, a.h, 1, a.w};
      g.out = {matrices, a.h, 1, b.w};
      g.weights_per_sample = true;
      g.param_rows = 0;
      item.in = {read_placement(layer.inputs[0]).view_as(g.in),
                 read_placement(layer.inputs[1]).view_as({matrices, 1, b.h, b.w})};
      item.matrix_operand = true;
    } else if (layer.op == Op::matmul) {
      // A weight over the features of each row (token) is a 1x1 convolution over the rows.
      item.op = ComputeOp::fc;
      g.in = extent_of(input.shape);
      item.in = {read_placement(layer.inputs[0])};
    } else {
      item.op = ComputeOp::fc;
      item.by_channels = true;
      g.in = {input.shape.n, 1, 1, input.elements / input.shape.n};
      item.in = {read_placement(layer.inputs[0]).view_as(g.in)};
    }
    compress_weights(g, layer);
    g.residual = step.residual.has_value();
    if (!item.matrix_operand) item.weights = new_weights(step, layer, g.stored_weight_rows(), g.out.c);
    if (step.residual) {
      item.in.push_back(read_placement(*step.residual));
      if (item.matrix_operand) item.in.back() = item.in.back().view_as(g.out);
      item.residual = true;
    }
    item.out = resolve(step.output, s);
    if (item.matrix_operand) item.out = item.out.view_as(g.out);
    std::optional<ConvTiling> tiling;
    if (options_.partition == PartitionMode::automatic) {
      if (auto choice = choose_partition(g, budget_, cores_, macs_per_core_cycle_)) {
        item.regions = std::move(choice->regions);
        tiling = choice->tiling;
      }
    } else {
      item.regions = partition(g.out, cores_, options_.partition, item.by_channels);
      const auto [rows, channels] = largest_part(item.regions);
      tiling = choose_conv_tiling(g, with_sharers(budget_, g, item.regions), rows, channels);
    }
    if (!tiling)
      throw InputError({model_.source},
                       fmt::format("layer '{}': not even one output element of one channel fits the core's "
                                   "buffers (NBin {} B, SB {} B, NBout {} B)",
                                   step.name, budget_.nbin, budget_.sb, budget_.nbout));
    item.conv_tiling = *tiling;
    plan_.items[s].push_back(std::move(item));
  }

  // The layer's first weight read like an input of extent `e` (an embedding table, a mask, a
  // constant's value): its own trace tensor, loaded into SB. Returns its map for the caller to adjust.
  InputMap& add_weight_input(WorkItem& item, const Step& step, const ModelLayer& layer, const Extent& e) {
    item.in.push_back(
        Placement::own(new_tensor(weight_name(step, layer), e.elements(), TensorKind::weight, std::nullopt), e));
    item.maps.push_back(InputMap::same(e));
    item.maps.back().synapses = true;
    return item.maps.back();
  }

  // A pruned layer on a core with an indexing module stores its nonzero synapses with an index
  // each, when that is smaller than the dense matrix (Cambricon-X, MICRO 2016).
  void compress_weights(ConvGeometry& g, const ModelLayer& layer) const {
    if (index_bits_ == 0 || layer.weight_density >= 1 || g.weights_per_sample) return;
    const u64 synapse_rows = g.in_per_group() * g.kernel_area();
    const double bits = static_cast<double>(synapse_rows) * layer.weight_density *
                        static_cast<double>(eb_ * 8 + index_bits_);
    const auto stored = static_cast<u64>(std::ceil(bits / static_cast<double>(eb_ * 8)));
    if (stored >= synapse_rows) return;
    g.stored_synapse_rows = std::max<u64>(1, stored);
    g.busiest_density = layer.busiest_density;
  }

  void build_global_pool(std::uint32_t s) {
    const Step& step = steps_[s];
    const ModelLayer& layer = model_.layers[step.primary];
    WorkItem item;
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
      return TileInput{n * h * w * c, 0, range_cost(in, n, h, w, c, budget)};
    };
    const auto tiling = choose_pointwise_tiling(shape, budget_);
    if (!tiling) throw_no_fit(step);
    item.tiling = *tiling;
    plan_.items[s].push_back(std::move(item));
  }

  void build_pointwise(std::uint32_t s) {
    const Step& step = steps_[s];
    const ModelLayer& layer = model_.layers[step.primary];
    WorkItem item;
    for (const TensorId t : layer.inputs) {
      item.in.push_back(read_placement(t));
      item.maps.push_back(InputMap::same(item.in.back().shape));
    }
    const Extent out = extent_of(model_.tensors[step.output].shape);
    const Op op = step.layer_norm ? Op::layer_norm : layer.op;
    switch (op) {
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
        item.maps[0].full_axis = kNhwcOfNchw[std::get<AxisParams>(layer.params).axis];
        // Rows partition when the axis lies within a row (attention scores over W); otherwise
        // each core takes channels and reads the axis whole.
        item.by_channels = *item.maps[0].full_axis != 2;
        break;
      case Op::layer_norm:
      case Op::reduce_mean: {
        const std::uint32_t axis = kNhwcOfNchw[std::get<AxisParams>(layer.params).axis];
        item.op = op == Op::layer_norm ? ComputeOp::norm : ComputeOp::pool;
        item.work_per_element = op == Op::layer_norm ? 5 : dim(item.in[0].shape, axis);
        item.maps[0].full_axis = axis;
        item.by_channels = axis == 0 || axis == 1;  // an axis across rows: cores take channels
        break;
      }
      case Op::embedding: {
        // Indices (N, L) are one per output row: read as (N, L, 1, 1). The table is loaded row by row.
        item.op = ComputeOp::copy;
        const Extent indices{out.n, out.h, 1, 1};
        item.in[0] = item.in[0].view_as(indices);
        item.maps[0] = InputMap::same(indices);
        const auto& p = std::get<EmbeddingParams>(layer.params);
        add_weight_input(item, step, layer, {1, p.rows, 1, p.features}).wrap_rows = true;
        break;
      }
      case Op::slice: {
        const auto& p = std::get<SliceParams>(layer.params);
        item.op = ComputeOp::copy;
        const std::uint32_t axis = kNhwcOfNchw[p.axis];
        item.maps[0].shift = std::pair{axis, p.resolve(dim(item.in[0].shape, axis))->first};
        break;
      }
      case Op::sub:
      case Op::div:
        item.op = ComputeOp::eltwise;
        break;
      case Op::tanh:
      case Op::erf:
      case Op::sqrt:
      case Op::pow:
      case Op::gelu:
        item.op = ComputeOp::activation;
        break;
      case Op::constant: {
        // The value, loaded as synapses and broadcast to every sample.
        item.op = ComputeOp::copy;
        add_weight_input(item, step, layer, {1, out.h, out.w, out.c});
        break;
      }
      case Op::where: {
        // The mask is read like an input, broadcast as it is shaped; the other value is a parameter.
        item.op = ComputeOp::eltwise;
        // Over the scores' rows and columns, shared by samples and heads (the importer checks it).
        const ModelTensor& mask = model_.tensors[layer.weights[0]];
        const Extent e{1, out.h, out.w, 1};
        if (mask.elements != e.elements())
          throw InputError({model_.source}, fmt::format("layer '{}': the mask has {} elements, not the {} x {} of the "
                                                        "scores' last two axes",
                                                        step.name, mask.elements, out.h, out.w));
        add_weight_input(item, step, layer, e);
        break;
      }
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
        throw std::logic_error(fmt::format("internal error: op {} has no lowering", to_string(op)));
    }
    // Embedding tables and masks are read as inputs (above); other weights are per-channel parameters.
    // Folded followers (a scale after an attention product, a layer norm's scale and shift) add theirs.
    const std::size_t params_from =
        layer.op == Op::embedding || layer.op == Op::where ? 1 : layer.op == Op::constant ? layer.weights.size() : 0;
    u64 params = weight_elements(layer, params_from);
    for (const LayerId f : step.followers) params += weight_elements(model_.layers[f], 0);
    if (params > 0) {
      item.param_rows = ceil_div(params, out.c);
      item.weights = new_weights(step, layer, item.param_rows, out.c);
    }
    item.out = resolve(step.output, s);
    finish_pointwise(s, item);
  }

  void finish_pointwise(std::uint32_t s, WorkItem& item) {
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
        (m.synapses ? total.sb_elements : total.elements) += len[0] * len[1] * len[2] * len[3];
        total.cost += range_cost(m.in, len[0], len[1], len[2], len[3], budget);
      }
      return total;
    };
    const auto tiling = choose_pointwise_tiling(shape, budget_);
    if (tiling) {
      item.tiling = *tiling;
    } else if ((item.op == ComputeOp::softmax || item.op == ComputeOp::norm || item.op == ComputeOp::pool) &&
               item.in.size() == 1 && item.maps[0].full_axis && item.param_rows * budget_.element_bytes <= budget_.sb) {
      // One output element's whole axis does not fit NBin (a softmax, layer norm or mean over a
      // long axis): load the axis in chunks.
      item.tiling = {1, 1, 1, 1};
      const u64 per_chunk = std::max<u64>(1, budget_.nbin / budget_.element_bytes);
      item.reduce_chunks = ceil_div(dim(item.in[0].shape, *maps[0].full_axis), per_chunk);
    } else {
      throw_no_fit(steps_[s]);
    }
    plan_.items[s].push_back(std::move(item));
  }

  [[noreturn]] void throw_no_fit(const Step& step) const {
    throw InputError({model_.source}, fmt::format("layer '{}': not even one output element fits the core's "
                                                  "buffers (NBin {} B, SB {} B, NBout {} B)",
                                                  step.name, budget_.nbin, budget_.sb, budget_.nbout));
  }

  const Model& model_;
  const LoweringOptions options_;
  const std::uint32_t cores_;
  const u64 eb_;
  const TileBudget budget_;
  const std::uint64_t index_bits_;
  const double macs_per_core_cycle_;
  WorkPlan plan_;
  std::vector<Step> steps_;
  std::vector<std::uint32_t> readers_;
  std::vector<std::optional<SlotOf>> slot_of_;
  std::vector<std::optional<Placement>> placement_;
  std::set<std::string> claimed_, weight_names_;
};

}  // namespace

std::uint64_t dim(const Extent& e, std::uint32_t axis) {
  const std::array<u64, 4> d = {e.n, e.h, e.w, e.c};
  return d[axis];
}

void set_range(Box& b, std::uint32_t axis, std::uint64_t lo, std::uint64_t hi) {
  switch (axis) {
    case 0: b.n0 = lo, b.n1 = hi; break;
    case 1: b.h0 = lo, b.h1 = hi; break;
    case 2: b.w0 = lo, b.w1 = hi; break;
    default: b.c0 = lo, b.c1 = hi; break;
  }
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
void spatial_tiles(const Box& rb, const Extent& e, std::uint64_t rows, std::uint64_t cols, std::uint64_t samples,
                   std::vector<Box>& out) {
  if (samples > 1 && rb.h0 == 0 && rb.h1 == e.h) {
    for (const auto& [a, b] : split_evenly(rb.n0, rb.n1, samples)) out.push_back({a, b, 0, e.h, 0, e.w, rb.c0, rb.c1});
    return;
  }
  for (u64 n = rb.n0; n < rb.n1; ++n)
    for (const auto& [h0, h1] : split_evenly(rb.h0, rb.h1, rows))
      for (const auto& [w0, w1] : split_evenly(rb.w0, rb.w1, cols)) out.push_back({n, n + 1, h0, h1, w0, w1, rb.c0, rb.c1});
}

InputMap InputMap::same(const Extent& input) {
  InputMap m;
  m.in = input;
  return m;
}

Box InputMap::map(const Box& out) const {
  Box b = out;
  if (from)
    for (std::uint32_t a = 0; a < 4; ++a) {
      const auto [lo, hi] = range(out, a);
      set_range(b, (*from)[a], lo, hi);
    }
  if (shift) {
    const auto [lo, hi] = range(out, shift->first);
    set_range(b, shift->first, lo + shift->second, hi + shift->second);
  }
  if (wrap_rows) {
    b.h0 = out.h0 % in.h;
    b.h1 = b.h0 + std::min(out.h1 - out.h0, in.h - b.h0);
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

std::array<std::uint64_t, 4> InputMap::lengths(std::uint64_t n, std::uint64_t h, std::uint64_t w,
                                           std::uint64_t c) const {
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
  if (wrap_rows) len[1] = std::min(len[1], in.h);
  len[3] = std::min(in.c, len[3] + c_before + c_after);
  for (std::uint32_t a = 0; a < 4; ++a)
    if (dim(in, a) == 1) len[a] = 1;
  if (full_axis) len[*full_axis] = dim(in, *full_axis);
  return len;
}

Box footprint(const WorkItem& item, std::size_t i, const Box& out) {
  const Extent& in = item.in[i].shape;
  switch (item.kind) {
    case ItemKind::conv: {
      if (item.matrix_operand && i == 1)  // the K x P matrix of each output sample, its columns
        return {out.n0, out.n1, 0, 1, 0, item.conv.in.c, out.c0, out.c1};
      if (i > 0) return out;  // a residual: added where the output goes
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

std::vector<std::uint32_t> WorkPlan::barrier_steps() const {
  std::vector<std::uint32_t> steps;
  if (cores <= 1) return steps;
  std::uint32_t last = 0;
  for (std::uint32_t s = static_cast<std::uint32_t>(items.size()); s-- > 0;)
    if (!items[s].empty()) {
      last = s;
      break;
    }
  for (std::uint32_t s = 0; s < last; ++s)
    if (!items[s].empty() && !(s < joins_next.size() && joins_next[s])) steps.push_back(s);
  return steps;
}

WorkPlan build_work_items(const Model& model, const MachineConfig& config, const LoweringOptions& options) {
  return WorkItemBuilder(model, config, options).run();
}

}  // namespace tetris::workloads
