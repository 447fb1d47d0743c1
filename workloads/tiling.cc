#include "workloads/tiling.h"

#include "workloads/multicast_groups.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/checked_math.h"

namespace tetris::workloads {
namespace {


// The largest x in [1, hi] with fits(x), or 0 when fits(1) fails; `fits` is monotone.
template <class Fits>
std::uint64_t largest_fitting(std::uint64_t hi, Fits fits) {
  if (hi == 0 || !fits(1)) return 0;
  std::uint64_t lo = 1;
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo + 1) / 2;
    if (fits(mid))
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

// Spatial tile shape: whole rows if one fits, else columns of one row; whole samples when one fits.
struct Spatial {
  std::uint64_t rows = 0, cols = 0, samples = 1;
};

// fits(n, h, w): a tile of n samples x h rows x w columns fits. Rows are tried at full width first.
template <class Fits>
Spatial spatial_tile(const Extent& out, std::uint64_t rows_per_core, Fits fits) {
  Spatial s;
  const std::uint64_t max_rows = std::min(out.h, rows_per_core);
  s.rows = largest_fitting(max_rows, [&](std::uint64_t h) { return fits(1, h, out.w); });
  if (s.rows > 0) {
    s.cols = out.w;
    if (s.rows == out.h && rows_per_core > out.h)
      s.samples = std::max<std::uint64_t>(
          1, largest_fitting(std::min(out.n, rows_per_core / out.h), [&](std::uint64_t n) { return fits(n, out.h, out.w); }));
    return s;
  }
  s.rows = 1;
  s.cols = largest_fitting(out.w, [&](std::uint64_t w) { return fits(1, 1, w); });
  if (s.cols == 0) s.rows = 0;
  return s;
}

// Tiles one core makes of its rows for a spatial tile shape (an estimate: the core's rows as one band).
std::uint64_t spatial_tiles(const Extent& out, std::uint64_t rows_per_core, const Spatial& s) {
  if (s.samples > 1) return ceil_div(rows_per_core, s.samples * out.h);
  return ceil_div(std::min(rows_per_core, out.n * out.h), s.rows) * ceil_div(out.w, s.cols);
}

}  // namespace

TileBudget TileBudget::of(const MachineConfig& config) {
  return {config.core.nbin_bytes,
          config.core.nbout_bytes,
          config.core.sb_bytes,
          config.core.element_bytes,
          static_cast<double>(config.memory.latency_cycles),
          static_cast<double>(std::max<std::uint64_t>(1, config.peak_bandwidth_bytes_per_cycle())),
          std::max<std::uint64_t>(1, config.memory.alignment_bytes),
          static_cast<double>(std::max<std::uint32_t>(1, config.cores)),
          config.multicasts()};
}

namespace {
// A tile shape's memory time: its core's serial time, or its share of a bus every sharer streams
// on at once, whichever is longer.
double memory_time(double serial_cycles, double bytes, const TileBudget& b) {
  return std::max(serial_cycles, b.bus_sharers * bytes / b.bytes_per_cycle);
}
}  // namespace

RangeCost range_cost(const Extent& full, std::uint64_t n, std::uint64_t h, std::uint64_t w, std::uint64_t c,
                     const TileBudget& b) {
  // As append_ranges: whole dimensions merge into the row, the next one gives the rows, the
  // ones after it repeat the range unless their stride continues the rows.
  const std::uint64_t len[4] = {c, w, h, n};
  const std::uint64_t stride[4] = {1, full.c, full.w * full.c, full.h * full.w * full.c};
  std::uint64_t row = len[0];
  std::size_t i = 1;
  for (; i < 4 && (len[i] == 1 || stride[i] == row); ++i) row *= len[i];
  std::uint64_t rows = 1, row_stride = row, ranges = 1;
  if (i < 4) {
    rows = len[i], row_stride = stride[i];
    for (++i; i < 4 && (len[i] == 1 || stride[i] == rows * row_stride); ++i) rows *= len[i];
    for (; i < 4; ++i) ranges *= len[i];
  }
  const std::uint64_t row_bytes = row * b.element_bytes;
  return {static_cast<double>(ranges * rows * (ceil_div(row_bytes, b.burst_bytes) * b.burst_bytes)),
          static_cast<double>(ranges)};
}

std::vector<std::uint64_t> chunk_sizes(std::uint64_t length) {
  std::vector<std::uint64_t> sizes;
  for (std::uint64_t k = 1; k <= length;) {
    const std::uint64_t size = ceil_div(length, k);
    sizes.push_back(size);
    // The next k that gives a smaller chunk size.
    k = size == 1 ? length + 1 : ceil_div(length, size - 1);
  }
  return sizes;
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> split_evenly(std::uint64_t begin, std::uint64_t end,
                                                                   std::uint64_t at_most) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> chunks;
  if (end <= begin) return chunks;
  const std::uint64_t length = end - begin, count = ceil_div(length, std::max<std::uint64_t>(1, at_most));
  for (std::uint64_t i = 0; i < count; ++i) chunks.emplace_back(begin + i * length / count, begin + (i + 1) * length / count);
  return chunks;
}

std::uint64_t ConvGeometry::input_rows(std::uint64_t rows) const {
  if (skips_input()) return std::min(in.h, rows);
  return std::min(in.h, (rows - 1) * stride_h + span_h());
}

std::uint64_t ConvGeometry::input_cols(std::uint64_t cols) const {
  if (skips_input()) return std::min(in.w, cols);
  return std::min(in.w, (cols - 1) * stride_w + span_w());
}

std::pair<std::uint64_t, std::uint64_t> ConvGeometry::stored_rows(std::uint64_t r0, std::uint64_t r1) const {
  if (stored_synapse_rows == 0) return {r0, r1};
  const std::uint64_t synapse = in_per_group() * kernel_area();
  const auto map = [&](std::uint64_t r, bool up) {
    if (r >= synapse) return r - synapse + stored_synapse_rows;
    return (r * stored_synapse_rows + (up ? synapse - 1 : 0)) / synapse;  // rows stay far below 2^32
  };
  return {map(r0, false), std::max(map(r0, false) + (r1 > r0 ? 1 : 0), map(r1, true))};
}

std::uint64_t ConvGeometry::sparse_work(std::uint64_t dense) const {
  if (stored_synapse_rows == 0) return dense;
  return static_cast<std::uint64_t>(std::ceil(static_cast<double>(dense) * busiest_density));
}

std::optional<ConvTiling> choose_conv_tiling(const ConvGeometry& g, const TileBudget& b,
                                             std::uint64_t rows_per_core, std::uint64_t channels_per_core) {
  const std::uint64_t eb = b.element_bytes, icg = g.in_per_group(), ocg = g.out_per_group(), k2 = g.kernel_area();
  std::optional<ConvTiling> best;
  double best_cost = std::numeric_limits<double>::infinity();
  for (const std::uint64_t toc_wanted : chunk_sizes(channels_per_core)) {
    // A chunk either stays inside one group or spans whole groups (depthwise: always).
    const bool spans = g.groups > 1 && toc_wanted >= ocg;
    const std::uint64_t groups_per_chunk = spans ? toc_wanted / ocg : 1;
    const std::uint64_t toc = spans ? groups_per_chunk * ocg : toc_wanted;
    const std::uint64_t all_rows = icg * k2 + g.param_rows;
    const std::uint64_t whole_bytes = toc * all_rows * eb;
    const std::uint64_t out_pixels = b.nbout / (toc * eb * (g.residual ? 2 : 1));
    if (out_pixels == 0) continue;
    const std::vector<std::uint64_t> tics = spans ? std::vector<std::uint64_t>{icg} : chunk_sizes(icg);
    for (const std::uint64_t tic : tics) {
      const std::uint64_t ic_in = spans ? groups_per_chunk * icg : tic;
      const std::uint64_t w_rows = tic * k2 + g.param_rows;
      if (w_rows * toc * eb > b.sb) continue;
      const auto fits = [&](std::uint64_t n, std::uint64_t h, std::uint64_t w) {
        return n * g.input_rows(h) * g.input_cols(w) * ic_in * eb <= b.nbin && n * h * w <= out_pixels &&
               (!g.weights_per_sample || n == 1);
      };
      const Spatial s = spatial_tile(g.out, rows_per_core, fits);
      if (s.rows == 0) continue;
      const double n_sp = static_cast<double>(spatial_tiles(g.out, rows_per_core, s));
      const double n_oc = static_cast<double>(ceil_div(channels_per_core, toc));
      const double nic = static_cast<double>(ceil_div(icg, tic));
      const bool whole = whole_bytes <= b.sb;
      const RangeCost in_tile =
          g.skips_input()
              ? RangeCost{static_cast<double>(s.samples * s.rows * s.cols *
                                              (ceil_div(ic_in * eb, b.burst_bytes) * b.burst_bytes)),
                          static_cast<double>(s.samples * s.rows)}
              : range_cost(g.in, s.samples, g.input_rows(s.rows), g.input_cols(s.cols), ic_in, b);
      // Weights are stored chunk by chunk in the order the cores load them (one range per load),
      // but the estimate still charges a chunk as the column slice of the row-major matrix it
      // was: charging one range instead moved the tile choice on 7 of the 16 zoo cells, for
      // plans 4-10% larger on two and cycles 11% higher on one (docs/lowering.md, "Weights").
      const Extent w_matrix{1, 1, all_rows, g.out.c};
      const RangeCost w_tile = range_cost(w_matrix, 1, 1, whole ? all_rows : w_rows, toc, b);
      const RangeCost out_tile = range_cost(g.out, s.samples, s.rows, s.cols, toc, b);
      // Strips: reload all chunks' weights once per strip (see ConvTiling::strip).
      const double reloaded = (whole || nic == 1) ? n_oc * w_tile.bytes : 0;
      const double per_tile = (n_oc > 1 ? n_oc : 1.0) * nic * in_tile.bytes + n_oc * out_tile.bytes;
      const double strip = std::min(n_sp, std::max(1.0, std::ceil(reloaded / per_tile)));
      const double strips = std::ceil(n_sp / strip);
      // How often the input and weight slices change.
      const double in_loads = (nic == 1 && (strip == 1 || n_oc == 1)) ? n_sp : n_sp * n_oc * nic;
      // Weights of their own per sample load at least once for each sample a core has.
      const double samples = g.weights_per_sample ? std::ceil(static_cast<double>(rows_per_core) / g.out.h) + 1 : 1;
      const double w_loads = (whole || nic == 1) ? (n_oc == 1 ? samples : std::max(samples, strips) * n_oc)
                                                 : n_sp * n_oc * nic;
      const double computes = n_sp * n_oc * nic, stores = n_sp * n_oc;
      const double outputs_moved = g.residual ? 2 * stores : stores;  // a residual load per stored tile
      const double instructions = in_loads * in_tile.instructions + w_loads * w_tile.instructions + computes +
                                  outputs_moved * out_tile.instructions;
      const double traffic = in_loads * in_tile.bytes + w_loads * w_tile.bytes + outputs_moved * out_tile.bytes;
      // Only loads of at least kMinMulticastBytes are grouped.
      const double min_bytes = static_cast<double>(kMinMulticastBytes);
      const double in_share = in_tile.bytes / std::max(1.0, in_tile.instructions) >= min_bytes ? b.input_sharers : 1;
      const double w_share = w_tile.bytes / std::max(1.0, w_tile.instructions) >= min_bytes ? b.weight_sharers : 1;
      const double bus = b.multicast ? in_loads * in_tile.bytes / in_share + w_loads * w_tile.bytes / w_share +
                                           outputs_moved * out_tile.bytes
                                     : traffic;
      const double serial = traffic / b.bytes_per_cycle + b.latency_cycles * instructions;
      const double cost = memory_time(serial, bus, b);
      if (!best || cost < best_cost) {
        best_cost = cost;
        best = ConvTiling{s.rows, s.cols, s.samples, toc, spans ? icg : tic, whole, static_cast<std::uint64_t>(strip),
                          traffic, serial, bus};
      }
    }
  }
  return best;
}

std::optional<PointwiseTiling> choose_pointwise_tiling(const PointwiseShape& p, const TileBudget& b) {
  const std::uint64_t eb = b.element_bytes;
  std::optional<PointwiseTiling> best;
  double best_cost = std::numeric_limits<double>::infinity();
  for (const std::uint64_t tc : chunk_sizes(p.channels_per_core)) {
    if (p.param_rows * tc * eb > b.sb) continue;
    const std::uint64_t out_pixels = b.nbout / (tc * eb);
    if (out_pixels == 0) continue;
    const auto fits = [&](std::uint64_t n, std::uint64_t h, std::uint64_t w) {
      const std::uint64_t out = p.reduces_spatially ? n : n * h * w;
      const TileInput in = p.input(n, h, w, tc);
      return in.elements * eb <= b.nbin && (p.param_rows * tc + in.sb_elements) * eb <= b.sb && out <= out_pixels;
    };
    const Spatial s = spatial_tile(p.out, p.rows_per_core, fits);
    if (s.rows == 0) continue;
    const double tiles =
        static_cast<double>(spatial_tiles(p.out, p.rows_per_core, s) * ceil_div(p.channels_per_core, tc));
    const TileInput in = p.input(s.samples, s.rows, s.cols, tc);
    const RangeCost out = p.reduces_spatially ? range_cost({p.out.n, 1, 1, p.out.c}, s.samples, 1, 1, tc, b)
                                              : range_cost(p.out, s.samples, s.rows, s.cols, tc, b);
    const double per_tile = in.cost.instructions + out.instructions + (p.param_rows > 0 ? 2 : 1);
    const double bytes = tiles * (in.cost.bytes + out.bytes);
    const double cost = memory_time(bytes / b.bytes_per_cycle + tiles * b.latency_cycles * per_tile, bytes, b);
    if (cost < best_cost) {
      best_cost = cost;
      best = PointwiseTiling{s.rows, s.cols, s.samples, tc};
    }
  }
  return best;
}

}  // namespace tetris::workloads
