#include "workloads/tensor_region.h"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace tetris::workloads {
namespace {

struct Dim {
  std::uint64_t length;
  std::uint64_t stride;  // elements
};

std::array<std::uint64_t, 4> coordinates(std::uint64_t index, const Extent& e) {
  const std::uint64_t c = index % e.c;
  index /= e.c;
  const std::uint64_t w = index % e.w;
  index /= e.w;
  const std::uint64_t h = index % e.h;
  return {index / e.h, h, w, c};
}

}  // namespace

Placement Placement::slot(const Extent& operand, std::uint32_t axis, std::uint64_t offset) const {
  if (reshaped) throw std::logic_error("a concat slot inside a reshaped view");
  Placement p = *this;
  p.shape = operand;
  std::uint64_t* dims[4] = {&p.origin.n, &p.origin.h, &p.origin.w, &p.origin.c};
  *dims[axis] += offset;
  return p;
}

Placement Placement::view_as(const Extent& new_shape) const {
  if (new_shape == shape) return *this;
  if (!(origin == Extent{0, 0, 0, 0}) || !(storage == shape))
    throw std::logic_error("a reshaped view of a concat slot");
  Placement p = *this;
  p.shape = new_shape;
  p.storage = new_shape;
  p.reshaped = true;
  return p;
}

Placement Placement::ring(TensorId tensor, const Extent& shape, std::uint64_t rows) {
  const Extent storage{1, rows, shape.w, shape.c};
  return {tensor, shape, storage, {0, 0, 0, 0}, false, storage, rows};
}

void append_ranges(const Placement& placement, const Box& box, std::uint64_t element_bytes,
                   std::vector<TensorRange>& out) {
  if (box.empty()) return;
  if (placement.ring_rows > 0) {
    // Each sample's rows wrap around the ring: runs of rows that do not cross its end.
    Placement rows = Placement::own(placement.tensor, placement.storage);
    for (std::uint64_t n = box.n0; n < box.n1; ++n)
      for (std::uint64_t h = box.h0; h < box.h1;) {
        const std::uint64_t slot = h % placement.ring_rows;
        const std::uint64_t run = std::min(box.h1 - h, placement.ring_rows - slot);
        append_ranges(rows, {0, 1, slot, slot + run, box.w0, box.w1, box.c0, box.c1}, element_bytes, out);
        h += run;
      }
    return;
  }
  const Extent& s = placement.storage;
  const std::uint64_t sw = s.c, sh = s.w * s.c, sn = s.h * s.w * s.c;
  const Extent& o = placement.origin;
  const std::uint64_t start =
      (o.n + box.n0) * sn + (o.h + box.h0) * sh + (o.w + box.w0) * sw + (o.c + box.c0);
  const std::array<Dim, 4> dims = {Dim{box.c1 - box.c0, 1}, Dim{box.w1 - box.w0, sw},
                                   Dim{box.h1 - box.h0, sh}, Dim{box.n1 - box.n0, sn}};
  // Merge whole, contiguous dimensions into one row.
  std::uint64_t row = dims[0].length;
  std::size_t i = 1;
  for (; i < 4; ++i) {
    if (dims[i].length == 1) continue;
    if (dims[i].stride != row) break;
    row *= dims[i].length;
  }
  std::uint64_t rows = 1, stride = row;
  if (i < 4) {
    rows = dims[i].length, stride = dims[i].stride;
    for (++i; i < 4; ++i) {
      if (dims[i].length == 1) continue;
      if (dims[i].stride != rows * stride) break;
      rows *= dims[i].length;
    }
  }
  // Whatever is left repeats the range (at most two dimensions: h and n).
  std::vector<Dim> repeat;
  for (; i < 4; ++i)
    if (dims[i].length > 1) repeat.push_back(dims[i]);
  const std::uint64_t outer = repeat.size() > 1 ? repeat[1].length : 1;
  const std::uint64_t inner = repeat.empty() ? 1 : repeat[0].length;
  for (std::uint64_t a = 0; a < outer; ++a)
    for (std::uint64_t b = 0; b < inner; ++b) {
      std::uint64_t at = start;
      if (!repeat.empty()) at += b * repeat[0].stride;
      if (repeat.size() > 1) at += a * repeat[1].stride;
      if (rows == 1)
        out.push_back(TensorRange::contiguous(at * element_bytes, row * element_bytes));
      else
        out.push_back({at * element_bytes, row * element_bytes, stride * element_bytes, rows});
    }
}

Box tensor_box(const Placement& placement, const Box& box) {
  if (placement.ring_rows > 0) return Box::whole(placement.storage);
  if (!placement.reshaped) {
    const Extent& o = placement.origin;
    return {box.n0 + o.n, box.n1 + o.n, box.h0 + o.h, box.h1 + o.h,
            box.w0 + o.w, box.w1 + o.w, box.c0 + o.c, box.c1 + o.c};
  }
  const Extent& s = placement.storage;
  const std::uint64_t sw = s.c, sh = s.w * s.c, sn = s.h * s.w * s.c;
  const std::uint64_t first = box.n0 * sn + box.h0 * sh + box.w0 * sw + box.c0;
  const std::uint64_t last = (box.n1 - 1) * sn + (box.h1 - 1) * sh + (box.w1 - 1) * sw + (box.c1 - 1);
  const Extent& t = placement.tensor_extent;
  const auto a = coordinates(first, t), b = coordinates(last, t);
  Box r = Box::whole(t);
  if (a[0] != b[0]) return r.n0 = a[0], r.n1 = b[0] + 1, r;
  r.n0 = a[0], r.n1 = a[0] + 1;
  if (a[1] != b[1]) return r.h0 = a[1], r.h1 = b[1] + 1, r;
  r.h0 = a[1], r.h1 = a[1] + 1;
  if (a[2] != b[2]) return r.w0 = a[2], r.w1 = b[2] + 1, r;
  r.w0 = a[2], r.w1 = a[2] + 1;
  r.c0 = a[3], r.c1 = b[3] + 1;
  return r;
}

}  // namespace tetris::workloads
