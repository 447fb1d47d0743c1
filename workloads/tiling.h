// Tile sizes: the largest tiles whose input, weight and output slices fit NBin, SB and NBout,
// chosen by an estimate of a core's memory time on a shared bus (docs/lowering.md, "Tiling").
// Plain arithmetic over shapes, so each rule can be tested without lowering a model.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "common/machine_config.h"
#include "workloads/tensor_region.h"

namespace tetris::workloads {

// What a core can hold, in bytes, and what moving data costs, from the machine config.
struct TileBudget {
  std::uint64_t nbin = 0, nbout = 0, sb = 0;
  std::uint64_t element_bytes = 2;
  double latency_cycles = 100;   // charged per load or store instruction
  double bytes_per_cycle = 64;   // charged per byte moved
  std::uint64_t burst_bytes = 64;  // a row of a range moves at least this much (memory.alignment_bytes)
  // Cores whose bytes share the bus while this one moves its own: a tile shape is chosen on the
  // larger of the core's serial memory time and its share of the bus. `of` takes every core of
  // the config; choose_partition, the cores with a part of the layer.
  double bus_sharers = 1;
  // On a memory that multicasts (memory.multicast: on), the cores that load the same input
  // slices together (the channel groups of a row band) and the same weight slices (the row
  // bands of a channel group): the bus moves each such slice once for all of them.
  bool multicast = false;
  double input_sharers = 1, weight_sharers = 1;

  static TileBudget of(const MachineConfig& config);
};

// What moving a box of n x h x w x c elements of an NHWC array of extent `full` costs: the
// instructions append_ranges makes of it, and its bytes with each row rounded up to a burst.
struct RangeCost {
  double bytes = 0;
  double instructions = 0;
  RangeCost& operator+=(const RangeCost& o) { return bytes += o.bytes, instructions += o.instructions, *this; }
};
RangeCost range_cost(const Extent& full, std::uint64_t n, std::uint64_t h, std::uint64_t w, std::uint64_t c,
                     const TileBudget& budget);

// Distinct values of ceil(length / k) for k = 1, 2, ...: every chunk size that splits `length`
// into a whole number of nearly equal chunks, largest first.
std::vector<std::uint64_t> chunk_sizes(std::uint64_t length);

// Splits [begin, end) into ceil((end - begin) / at_most) nearly equal consecutive chunks.
std::vector<std::pair<std::uint64_t, std::uint64_t>> split_evenly(std::uint64_t begin, std::uint64_t end,
                                                                   std::uint64_t at_most);

// A convolution (a fully connected layer is a 1x1 convolution over a 1x1 input of K channels).
// The weight matrix has (in channels per group x kernel area + param_rows) rows of out-channel
// columns; param_rows hold the per-channel bias, batch-norm and scale values fused into it.
struct ConvGeometry {
  Extent in, out;
  std::uint64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  std::uint64_t pad_top = 0, pad_left = 0;
  std::uint64_t groups = 1;
  std::uint64_t param_rows = 0;
  // Each sample (matrix) has weights of its own: the second operand of a product of two
  // activations, one matrix per (batch, head). A tile then never spans samples.
  bool weights_per_sample = false;
  // Pruned weights on a core with an indexing module: the synapse rows (in_per_group x kernel
  // area) are stored compressed in `stored_synapse_rows` rows (nonzeros with their indexes; 0:
  // stored dense), and each PE's lane takes the busiest output channel's nonzeros, so a tile's
  // MACs scale by `busiest_density`.
  std::uint64_t stored_synapse_rows = 0;
  double busiest_density = 1;
  // A residual added on the way out (a fused add): each output tile's residual is loaded into
  // NBout beside its accumulators, so a tile may fill only half of NBout, and costs that load.
  bool residual = false;

  std::uint64_t in_per_group() const { return in.c / groups; }
  std::uint64_t out_per_group() const { return out.c / groups; }
  std::uint64_t kernel_area() const { return kernel_h * kernel_w; }
  std::uint64_t weight_rows() const { return in_per_group() * kernel_area() + param_rows; }
  // The rows of the stored weight matrix that hold dense rows [r0, r1).
  std::pair<std::uint64_t, std::uint64_t> stored_rows(std::uint64_t r0, std::uint64_t r1) const;
  std::uint64_t stored_weight_rows() const { return stored_rows(0, weight_rows()).second; }
  // The multiply-accumulates `dense` MACs take on the busiest lane (dense when not compressed).
  std::uint64_t sparse_work(std::uint64_t dense) const;
  std::uint64_t span_h() const { return (kernel_h - 1) * dilation_h + 1; }
  std::uint64_t span_w() const { return (kernel_w - 1) * dilation_w + 1; }
  // A 1x1 window with a stride and no padding reads every stride-th row and column only: its
  // loads skip the pixels between (one strided range per input row), as a DMA with a 2-D
  // descriptor does, instead of moving the box around them.
  bool skips_input() const {
    return kernel_h == 1 && kernel_w == 1 && stride_h > 1 && stride_w > 1 && pad_top == 0 && pad_left == 0;
  }
  // Input rows (columns) that `rows` consecutive output rows (columns) read, at most the input's
  // (for a window that skips input: the rows and columns it loads).
  std::uint64_t input_rows(std::uint64_t rows) const;
  std::uint64_t input_cols(std::uint64_t cols) const;
};

struct ConvTiling {
  std::uint64_t rows = 1;     // output rows of one sample per tile (== out.h when samples > 1)
  std::uint64_t cols = 1;     // output columns per tile
  std::uint64_t samples = 1;  // whole samples per tile (> 1 only when a whole sample fits)
  std::uint64_t out_channels = 1;  // per chunk; a multiple of out_per_group() when it spans groups
  std::uint64_t in_channels = 1;   // per chunk within a group; partial sums stay in NBout
  bool whole_weights = false;  // the chunk's weights for every input channel fit SB: loaded once
  // A core walks its spatial tiles once, in order, in strips of this many tiles; within a strip
  // the out-channel chunks are the outer loop, so each chunk's weights load once per strip. The
  // strip is the shortest whose activation bytes are at least the weight bytes reloaded for it:
  // weight traffic at most matches activation traffic, and the bytes a core keeps alive while it
  // works on a strip stay a few tiles' worth, so a band's bytes die behind it as it moves on.
  std::uint64_t strip = 1;
  // The estimate the choice was made on, for one core with the largest part: bytes it moves and
  // its serial memory time (bytes / bandwidth + latency per instruction), in cycles.
  double traffic_bytes = 0;
  double memory_cycles = 0;
  // Its share of the bus: traffic_bytes with each multicast slice divided among its sharers
  // (TileBudget::input_sharers, weight_sharers); traffic_bytes without multicast.
  double bus_bytes = 0;
};

// `rows_per_core` and `channels_per_core`: the largest part (combined N x H rows, out channels)
// any core has. nullopt when not even a 1x1 tile of one channel fits.
std::optional<ConvTiling> choose_conv_tiling(const ConvGeometry& g, const TileBudget& budget,
                                             std::uint64_t rows_per_core, std::uint64_t channels_per_core);

// What the inputs of one tile load: elements (for the NBin limit) and their cost.
struct TileInput {
  std::uint64_t elements = 0;     // into NBin
  std::uint64_t sb_elements = 0;  // into SB, beside the per-channel parameters (weights read as inputs)
  RangeCost cost;
};

// Ops without weights matrices (pooling, element-wise, activations, normalisation, softmax,
// copies). `input(n, h, w, c)` says what all inputs of one tile of those output lengths load,
// for an interior tile (halo included, clipped to the input).
struct PointwiseShape {
  Extent out;
  std::uint64_t rows_per_core = 1, channels_per_core = 1;
  std::uint64_t param_rows = 0;  // per-channel weights loaded into SB (unfused batch norm, ...)
  std::uint64_t inputs = 1;      // load instructions per tile, for the cost
  // Global pooling: a tile is a chunk of the input and its output is one element per channel.
  bool reduces_spatially = false;
  std::function<TileInput(std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t)> input;
};

struct PointwiseTiling {
  std::uint64_t rows = 1, cols = 1, samples = 1, channels = 1;
};

std::optional<PointwiseTiling> choose_pointwise_tiling(const PointwiseShape& shape, const TileBudget& budget);

}  // namespace tetris::workloads
