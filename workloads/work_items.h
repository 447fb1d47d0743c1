// Lowering stage 1: a model's steps become work items, each partitioned across the cores and
// tiled to fit a core's buffers, together with the trace tensors they read and write.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "common/machine_config.h"
#include "common/trace.h"
#include "workloads/lowering.h"
#include "workloads/model.h"
#include "workloads/tensor_region.h"
#include "workloads/tiling.h"

namespace tetris::workloads {

// The length of an extent along an NHWC axis (0 = N, 1 = H, 2 = W, 3 = C), and a box's range.
std::uint64_t dim(const Extent& e, std::uint32_t axis);
void set_range(Box& b, std::uint32_t axis, std::uint64_t lo, std::uint64_t hi);

// What a core computes of an item's output: combined rows (n * H + h) [r0, r1) x channels [c0, c1).
struct CoreRegion {
  std::uint64_t r0 = 0, r1 = 0, c0 = 0, c1 = 0;
  bool empty() const { return r0 >= r1 || c0 >= c1; }
};

// The output's combined rows in `cores / groups` bands x channels in `groups` slices (each at
// most what the tensor has; cores left over get nothing): groups 1 is the rows partition,
// groups = cores the channels partition.
std::vector<CoreRegion> partition_grid(const Extent& e, std::uint32_t cores, std::uint32_t groups);

// `--partition auto` for a convolution: of the grids partition_grid makes with a number of
// channel groups dividing `cores`, the one with the fewest estimated cycles: the most of all
// cores' bytes over the shared bus, one core's serial memory time (choose_conv_tiling's
// estimate, latency included) and its MACs. Weights are the difference: rows make every core
// load every weight, channels make every core read the whole input. Grids with fewer channel
// groups are preferred unless another is 10% faster by the estimate. nullopt when no grid has a tiling.
struct PartitionChoice {
  std::vector<CoreRegion> regions;
  ConvTiling tiling;
  std::uint32_t groups = 1;
  double estimated_cycles = 0;
};
std::optional<PartitionChoice> choose_partition(const ConvGeometry& g, const TileBudget& budget, std::uint32_t cores,
                                                double macs_per_core_cycle);

// A region as boxes of the output: a partial sample, whole samples, a partial sample (each may
// be absent).
std::vector<Box> region_boxes(const CoreRegion& region, const Extent& e);
// A region box cut into spatial tiles of at most `rows` x `cols` (or `samples` whole samples);
// channels as in the box. Appends to `out`.
void spatial_tiles(const Box& region_box, const Extent& e, std::uint64_t rows, std::uint64_t cols,
                   std::uint64_t samples, std::vector<Box>& out);

// How an output box of a pointwise item maps to the box one of its inputs reads.
struct InputMap {
  Extent in;
  bool window = false;  // pooling
  std::uint64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1,
                pad_top = 0, pad_left = 0;
  std::uint64_t c_before = 0, c_after = 0;            // LRN: channels read either side
  std::optional<std::uint32_t> full_axis;             // softmax: the NHWC axis read whole
  std::optional<std::array<std::uint32_t, 4>> from;   // transpose: the input axis of each output axis
  std::optional<std::pair<std::uint32_t, std::uint64_t>> shift;  // slice: (NHWC axis, offset of the output's 0)
  // Embedding table: output rows [h0, h1) read table rows from h0 mod the table's rows on (the
  // token ids are runtime data; a tile's tokens are taken to be distinct consecutive rows).
  bool wrap_rows = false;
  // Loaded into SB, as synapses: weights read as inputs, and the second operand of a product of
  // two activations, which stays there while the tiles that share it run.
  bool synapses = false;

  static InputMap same(const Extent& input);
  Box map(const Box& out) const;
  // The lengths of the box an interior tile of these output lengths reads.
  std::array<std::uint64_t, 4> lengths(std::uint64_t n, std::uint64_t h, std::uint64_t w, std::uint64_t c) const;
};

enum class ItemKind : std::uint8_t { conv, pointwise, global_pool };

// One piece of a step's work, partitioned and tiled on its own: a layer's computation, or the
// copy of one concat operand that could not be written in place.
struct WorkItem {
  ItemKind kind = ItemKind::pointwise;
  ComputeOp op = ComputeOp::copy;
  std::uint64_t work_per_element = 1;  // per output element (global pooling: per input element)
  Placement out;
  // conv: the input; then, for a product of two activations, the second operand (the weights,
  // one matrix per sample: extent (matrices, 1, K, P)); then a residual added on the way out.
  std::vector<Placement> in;
  bool matrix_operand = false;  // conv: in[1] is the second operand of a product of two activations
  bool residual = false;        // conv: in.back() is added to the output in NBout
  std::vector<InputMap> maps;  // pointwise: one per input
  ConvGeometry conv;
  std::optional<Placement> weights;  // a matrix: Extent{1, 1, rows, columns}
  std::uint64_t param_rows = 0;      // pointwise: per-channel weight rows
  bool by_channels = false;          // fully connected, global pooling, softmax
  std::vector<CoreRegion> regions;   // per core
  ConvTiling conv_tiling;
  PointwiseTiling tiling;
  std::uint64_t reduce_chunks = 1;  // softmax whose axis does not fit NBin: the axis is loaded in chunks
};

// What input `i` of `item` reads for output box `out`, over the whole reduction.
Box footprint(const WorkItem& item, std::size_t i, const Box& out);

// The model as the cores will run it: one trace layer per step (a step is a layer with what
// fusion folded into it; views are steps without items), the trace tensors in id order, and
// each step's work items.
struct WorkPlan {
  std::uint32_t cores = 1;
  std::uint64_t element_bytes = 2;
  std::vector<Layer> layers;                  // per step
  std::vector<Tensor> tensors;                // the trace's tensors
  std::vector<std::vector<WorkItem>> items;   // per step
  // Per step (empty: none): the step's output flows into the next step inside a cascade
  // (workloads/cascade.h), so no barrier follows it.
  std::vector<bool> joins_next;

  // The steps after which all cores meet under barrier sync: every step with work before the
  // last such step (nothing follows the last one to wait for it), except those that join the
  // next in a cascade. Empty on one core.
  std::vector<std::uint32_t> barrier_steps() const;
};

// Throws InputError naming the layer when one of its tiles cannot fit the core's buffers, or a
// tensor is larger than a trace allows.
WorkPlan build_work_items(const Model& model, const MachineConfig& config, const LoweringOptions& options);

}  // namespace tetris::workloads
