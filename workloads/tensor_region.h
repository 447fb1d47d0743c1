// Regions of channels-last (NHWC) activations and the byte ranges that hold them.
// Lowering reasons about boxes of elements; loads and stores need the trace's 1-D and 2-D byte
// ranges. A Placement says where an activation's elements live: in a tensor of its own, in a
// slot of a concat's output (a sub-box of a larger tensor), or as a reshaped view of another
// tensor's bytes (flatten, reshape, dropout).
#pragma once

#include <cstdint>
#include <vector>

#include "common/trace.h"

namespace tetris::workloads {

// Extents of an activation in elements, in memory order from outermost to innermost: N, H, W, C.
struct Extent {
  std::uint64_t n = 1, h = 1, w = 1, c = 1;

  bool operator==(const Extent&) const = default;
  std::uint64_t elements() const { return n * h * w * c; }
};

// A box of elements [n0, n1) x [h0, h1) x [w0, w1) x [c0, c1) (half-open in every dimension).
struct Box {
  std::uint64_t n0 = 0, n1 = 0, h0 = 0, h1 = 0, w0 = 0, w1 = 0, c0 = 0, c1 = 0;

  bool operator==(const Box&) const = default;
  static Box whole(const Extent& e) { return {0, e.n, 0, e.h, 0, e.w, 0, e.c}; }
  bool empty() const { return n0 >= n1 || h0 >= h1 || w0 >= w1 || c0 >= c1; }
  std::uint64_t elements() const { return empty() ? 0 : (n1 - n0) * (h1 - h0) * (w1 - w0) * (c1 - c0); }
  bool intersects(const Box& o) const {
    return n0 < o.n1 && o.n0 < n1 && h0 < o.h1 && o.h0 < h1 && w0 < o.w1 && o.w0 < w1 && c0 < o.c1 && o.c0 < c1;
  }
};

// Where an activation of extent `shape` lives inside trace tensor `tensor`, whose own elements
// form an NHWC array of extent `storage`:
// - its own tensor: storage == shape, origin 0;
// - a concat slot: storage is the concat output's extent and the activation is the sub-box
//   starting at `origin` (the strides are the storage's, so a channel slot is strided);
// - a reshaped view (`reshaped`): the same bytes read densely with the activation's own extent,
//   storage == shape; `tensor_extent` is then the extent the tensor was written with.
struct Placement {
  TensorId tensor = 0;
  Extent shape;
  Extent storage;
  Extent origin{0, 0, 0, 0};
  bool reshaped = false;
  Extent tensor_extent;  // the tensor's extent as its producers write it (== storage unless reshaped)
  // A rolling buffer (a cascade's, workloads/cascade.h): the tensor holds `ring_rows` rows of
  // the activation, row h of every sample in row h mod ring_rows (storage is {1, ring_rows, W, C}).
  std::uint64_t ring_rows = 0;

  static Placement own(TensorId tensor, const Extent& shape) { return {tensor, shape, shape, {0, 0, 0, 0}, false, shape}; }
  // The slot of an operand placed at `offset` along NHWC axis `axis` (0 = N, 1 = H, 2 = W, 3 = C).
  Placement slot(const Extent& operand, std::uint32_t axis, std::uint64_t offset) const;
  // The same bytes viewed with another extent of equal element count. Only for own placements.
  Placement view_as(const Extent& new_shape) const;
  // A rolling buffer of `rows` rows of an activation of extent `shape` in tensor `tensor`.
  static Placement ring(TensorId tensor, const Extent& shape, std::uint64_t rows);
};

// Appends the byte ranges of `box` (in the activation's coordinates) to `out`, as few as the
// layout allows: dimensions that are whole and contiguous merge into one row, the next one
// becomes the rows of a 2-D range, any further ones repeat the range.
void append_ranges(const Placement& placement, const Box& box, std::uint64_t element_bytes,
                   std::vector<TensorRange>& out);

// The box of the tensor's own extent (`tensor_extent`) that holds `box`: translated for slots,
// and for reshaped views the smallest box around the bytes (an over-approximation, which is
// safe for the synchronisation it is used for).
Box tensor_box(const Placement& placement, const Box& box);

}  // namespace tetris::workloads
