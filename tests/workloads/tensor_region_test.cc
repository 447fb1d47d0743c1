// Boxes of channels-last activations as the trace's byte ranges: own tensors, concat slots
// (strided) and reshaped views, and the tensor box a reshaped view's bytes lie in.
#include "workloads/tensor_region.h"

#include <gtest/gtest.h>

namespace tetris::workloads {
namespace {

std::vector<TensorRange> ranges(const Placement& p, const Box& b, std::uint64_t eb = 2) {
  std::vector<TensorRange> out;
  append_ranges(p, b, eb, out);
  return out;
}

bool same(const TensorRange& a, const TensorRange& b) {
  return a.offset == b.offset && a.row_bytes == b.row_bytes && a.row_stride == b.row_stride && a.rows == b.rows;
}

TEST(TensorRegion, WholeRowsOfAnOwnTensorAreOneContiguousRange) {
  const Placement p = Placement::own(3, {1, 8, 4, 16});
  const auto r = ranges(p, {0, 1, 2, 5, 0, 4, 0, 16});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(same(r[0], TensorRange::contiguous(2 * 4 * 16 * 2, 3 * 4 * 16 * 2)));
}

TEST(TensorRegion, PartialColumnsArePartialRows) {
  const Placement p = Placement::own(0, {1, 8, 4, 16});
  const auto r = ranges(p, {0, 1, 2, 5, 1, 3, 0, 16});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(same(r[0], {(2 * 4 + 1) * 32, 2 * 32, 4 * 32, 3}));
}

TEST(TensorRegion, AChannelSliceIsOneRowPerPixel) {
  const Placement p = Placement::own(0, {1, 8, 4, 16});
  const auto r = ranges(p, {0, 1, 2, 5, 0, 4, 4, 8});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(same(r[0], {(2 * 4 * 16 + 4) * 2, 4 * 2, 16 * 2, 12}));
  // Partial columns and channels: one range per input row.
  const auto rows = ranges(p, {0, 1, 2, 5, 1, 3, 4, 8});
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_TRUE(same(rows[1], {((3 * 4 + 1) * 16 + 4) * 2, 4 * 2, 16 * 2, 2}));
}

TEST(TensorRegion, WholeSamplesMerge) {
  const Placement p = Placement::own(0, {3, 2, 2, 4});
  const auto r = ranges(p, {1, 3, 0, 2, 0, 2, 0, 4});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(same(r[0], TensorRange::contiguous(16 * 2, 32 * 2)));
}

TEST(TensorRegion, AConcatSlotIsStridedByTheWholeOutput) {
  const Placement out = Placement::own(5, {1, 4, 4, 24});
  const Placement slot = out.slot({1, 4, 4, 8}, 3, 16);  // channels 16..23
  EXPECT_EQ(slot.shape, (Extent{1, 4, 4, 8}));
  const auto r = ranges(slot, Box::whole(slot.shape));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(same(r[0], {16 * 2, 8 * 2, 24 * 2, 16}));
  EXPECT_EQ(tensor_box(slot, {0, 1, 1, 2, 0, 4, 0, 8}), (Box{0, 1, 1, 2, 0, 4, 16, 24}));
  // A slot along H is contiguous.
  const Placement rows = out.slot({1, 2, 4, 24}, 1, 2);
  const auto h = ranges(rows, Box::whole(rows.shape));
  ASSERT_EQ(h.size(), 1u);
  EXPECT_TRUE(same(h[0], TensorRange::contiguous(2 * 4 * 24 * 2, 2 * 4 * 24 * 2)));
}

TEST(TensorRegion, AReshapedViewReadsTheSameBytes) {
  const Placement own = Placement::own(1, {2, 7, 7, 64});
  const Placement flat = own.view_as({2, 1, 1, 7 * 7 * 64});
  EXPECT_TRUE(flat.reshaped);
  const auto r = ranges(flat, {1, 2, 0, 1, 0, 1, 100, 200});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(same(r[0], TensorRange::contiguous((7 * 7 * 64 + 100) * 2, 100 * 2)));
  // Elements 100..199 of sample 1: pixels 1..3 of row 0; the box around them.
  EXPECT_EQ(tensor_box(flat, {1, 2, 0, 1, 0, 1, 100, 200}), (Box{1, 2, 0, 1, 1, 4, 0, 64}));
  EXPECT_EQ(tensor_box(flat, {0, 2, 0, 1, 0, 1, 0, 7 * 7 * 64}), Box::whole(own.shape));
  EXPECT_THROW(own.slot({1, 7, 7, 64}, 0, 1).view_as({1, 1, 1, 7 * 7 * 64}), std::logic_error);
}

// A rolling buffer of 3 rows of a 2 x 8 x 4 x 16 activation: row h of any sample is ring row
// h mod 3, so rows 2..5 are ring rows 2, 0, 1, 2: two runs, split where the ring wraps.
TEST(TensorRegion, ARingWrapsRowsAroundItsEnd) {
  const Placement p = Placement::ring(5, {2, 8, 4, 16}, 3);
  EXPECT_EQ(p.storage, (Extent{1, 3, 4, 16}));
  const std::uint64_t row = 4 * 16 * 2;
  const auto r = ranges(p, {1, 2, 2, 6, 0, 4, 0, 16});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_TRUE(same(r[0], TensorRange::contiguous(2 * row, row)));
  EXPECT_TRUE(same(r[1], TensorRange::contiguous(0, 3 * row)));
  // Part of the columns: each run is a 2-D range of the ring's rows.
  const auto c = ranges(p, {0, 1, 4, 6, 1, 3, 0, 16});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_TRUE(same(c[0], {(1 * 4 + 1) * 32, 2 * 32, 4 * 32, 2}));
  EXPECT_EQ(tensor_box(p, {0, 1, 4, 6, 1, 3, 0, 16}), Box::whole(p.storage));
}

TEST(TensorRegion, BoxesIntersectOnlyWhenEveryDimensionOverlaps) {
  const Box a{0, 1, 0, 4, 0, 4, 0, 8};
  EXPECT_TRUE(a.intersects({0, 1, 3, 5, 0, 1, 7, 8}));
  EXPECT_FALSE(a.intersects({0, 1, 4, 5, 0, 4, 0, 8}));
  EXPECT_FALSE(a.intersects({1, 2, 0, 4, 0, 4, 0, 8}));
  EXPECT_EQ(a.elements(), 128u);
  EXPECT_TRUE((Box{0, 1, 2, 2, 0, 1, 0, 1}).empty());
}

}  // namespace
}  // namespace tetris::workloads
