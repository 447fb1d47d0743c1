// Tile sizes: chunking arithmetic, and chosen tiles that fit NBin, SB and NBout.
#include "workloads/tiling.h"

#include <gtest/gtest.h>

namespace tetris::workloads {
namespace {

const TileBudget kCambriconX{8192, 8192, 32768, 2, 100, 64, 64};

TEST(Tiling, ChunkSizesAreEveryEvenSplit) {
  EXPECT_EQ(chunk_sizes(10), (std::vector<std::uint64_t>{10, 5, 4, 3, 2, 1}));
  EXPECT_EQ(chunk_sizes(1), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(chunk_sizes(0), (std::vector<std::uint64_t>{}));
}

TEST(Tiling, SplitEvenlyCoversTheRangeInNearlyEqualChunks) {
  using Chunks = std::vector<std::pair<std::uint64_t, std::uint64_t>>;
  EXPECT_EQ(split_evenly(3, 13, 4), (Chunks{{3, 6}, {6, 9}, {9, 13}}));
  EXPECT_EQ(split_evenly(0, 4, 8), (Chunks{{0, 4}}));
  EXPECT_EQ(split_evenly(5, 5, 2), Chunks{});
}

TEST(Tiling, RangeCostCountsInstructionsAndBursts) {
  const Extent e{1, 8, 4, 16};
  const RangeCost whole = range_cost(e, 1, 8, 4, 16, kCambriconX);
  EXPECT_EQ(whole.instructions, 1);
  EXPECT_EQ(whole.bytes, 8 * 4 * 16 * 2);
  const RangeCost slice = range_cost(e, 1, 8, 4, 2, kCambriconX);  // 4-byte rows cost a burst each
  EXPECT_EQ(slice.instructions, 1);
  EXPECT_EQ(slice.bytes, 32 * 64);
  EXPECT_EQ(range_cost(e, 1, 3, 2, 2, kCambriconX).instructions, 3);
}

void expect_fits(const ConvGeometry& g, const ConvTiling& t, const TileBudget& b) {
  const std::uint64_t eb = b.element_bytes;
  const bool spans = g.groups > 1 && t.out_channels >= g.out_per_group();
  const std::uint64_t ic_in = spans ? t.out_channels / g.out_per_group() * g.in_per_group() : t.in_channels;
  EXPECT_LE(t.samples * g.input_rows(t.rows) * g.input_cols(t.cols) * ic_in * eb, b.nbin);
  EXPECT_LE(t.samples * t.rows * t.cols * t.out_channels * eb, b.nbout);
  EXPECT_LE((t.in_channels * g.kernel_area() + g.param_rows) * t.out_channels * eb, b.sb);
  EXPECT_GE(t.strip, 1u);
}

TEST(Tiling, ConvolutionTilesFitTheBuffers) {
  ConvGeometry conv1;  // ResNet-50 conv1 with its batch norm folded in
  conv1.in = {1, 224, 224, 3}, conv1.out = {1, 112, 112, 64};
  conv1.kernel_h = conv1.kernel_w = 7, conv1.stride_h = conv1.stride_w = 2, conv1.pad_top = conv1.pad_left = 3;
  conv1.param_rows = 4;
  const auto t = choose_conv_tiling(conv1, kCambriconX, 7, 64);
  ASSERT_TRUE(t);
  expect_fits(conv1, *t, kCambriconX);
  EXPECT_LT(t->cols, 112u);  // one 112-pixel row of 64 channels is 14 KiB: more than NBout

  ConvGeometry wide;  // 3x3 over 512 channels at 7x7: input channels must be split
  wide.in = {1, 7, 7, 512}, wide.out = {1, 7, 7, 512};
  wide.kernel_h = wide.kernel_w = 3, wide.pad_top = wide.pad_left = 1;
  const auto w = choose_conv_tiling(wide, kCambriconX, 7, 512);
  ASSERT_TRUE(w);
  expect_fits(wide, *w, kCambriconX);
  EXPECT_LT(w->in_channels, 512u);

  ConvGeometry depthwise;
  depthwise.in = depthwise.out = {1, 56, 56, 144};
  depthwise.kernel_h = depthwise.kernel_w = 3, depthwise.pad_top = depthwise.pad_left = 1;
  depthwise.groups = 144, depthwise.param_rows = 4;
  const auto d = choose_conv_tiling(depthwise, kCambriconX, 14, 144);
  ASSERT_TRUE(d);
  expect_fits(depthwise, *d, kCambriconX);
  EXPECT_EQ(d->in_channels, 1u);

  ConvGeometry fc;  // VGG fc6 as a 1x1 convolution over 25088 input channels
  fc.in = {1, 1, 1, 25088}, fc.out = {1, 1, 1, 4096}, fc.param_rows = 1;
  const auto f = choose_conv_tiling(fc, kCambriconX, 1, 256);
  ASSERT_TRUE(f);
  expect_fits(fc, *f, kCambriconX);
}

// MobileNet-v1's conv2_dw on one of 4 cores. Alone on the bus, a core's latency per instruction
// outweighs the bursts it wastes, and narrow channel slices (strided rows of a few channels, each
// moving a whole burst) win; with the 4 cores streaming at once, the bytes do, and the tile
// takes all the channels of fewer pixels, contiguous.
TEST(Tiling, CoresSharingTheBusTakeTilesThatMoveFewerBytes) {
  ConvGeometry dw;
  dw.in = dw.out = {1, 112, 112, 32};
  dw.kernel_h = dw.kernel_w = 3, dw.pad_top = dw.pad_left = 1;
  dw.groups = 32, dw.param_rows = 4;
  TileBudget alone = kCambriconX, shared = kCambriconX;
  shared.bus_sharers = 4;
  const auto a = choose_conv_tiling(dw, alone, 28, 32);
  const auto s = choose_conv_tiling(dw, shared, 28, 32);
  ASSERT_TRUE(a && s);
  expect_fits(dw, *s, shared);
  EXPECT_LT(a->out_channels, 32u);
  EXPECT_EQ(s->out_channels, 32u);
  EXPECT_LT(s->traffic_bytes, a->traffic_bytes);
}

// On a memory that multicasts, the cores that load a slice together put it on the bus once: a
// 3x3 layer whose 4 row bands share every weight slice and whose 4 channel groups share every
// input slice charges the bus a quarter or less of what each core moves, and without multicast
// all of it.
TEST(Tiling, MulticastSlicesCountOnceOnTheBus) {
  ConvGeometry g;
  g.in = g.out = {1, 14, 14, 256};
  g.kernel_h = g.kernel_w = 3, g.pad_top = g.pad_left = 1;
  TileBudget plain = kCambriconX, multicast = kCambriconX;
  plain.bus_sharers = multicast.bus_sharers = 16;
  multicast.multicast = true;
  multicast.input_sharers = multicast.weight_sharers = 4;
  const auto p = choose_conv_tiling(g, plain, 4, 64);
  const auto m = choose_conv_tiling(g, multicast, 4, 64);
  ASSERT_TRUE(p && m);
  expect_fits(g, *m, multicast);
  EXPECT_EQ(p->bus_bytes, p->traffic_bytes);
  EXPECT_LT(m->bus_bytes, 0.3 * m->traffic_bytes);
}

TEST(Tiling, NothingFitsWhenOneWindowIsLargerThanNbin) {
  ConvGeometry g;
  g.in = {1, 64, 64, 1}, g.out = {1, 58, 58, 1};
  g.kernel_h = g.kernel_w = 7;
  TileBudget tiny = kCambriconX;
  tiny.nbin = 64;
  EXPECT_FALSE(choose_conv_tiling(g, tiny, 58, 1));
  EXPECT_TRUE(choose_conv_tiling(g, kCambriconX, 58, 1));
}

TEST(Tiling, PointwiseTilesFitAndPreferWholeChannels) {
  PointwiseShape add;
  add.out = {1, 56, 56, 256};
  add.rows_per_core = 14, add.channels_per_core = 256, add.inputs = 2;
  add.input = [&](std::uint64_t n, std::uint64_t h, std::uint64_t w, std::uint64_t c) {
    return TileInput{2 * n * h * w * c, 0, RangeCost{2.0 * n * h * w * c * 2, 2}};
  };
  const auto t = choose_pointwise_tiling(add, kCambriconX);
  ASSERT_TRUE(t);
  EXPECT_LE(2 * t->rows * t->cols * t->channels * 2, kCambriconX.nbin);
  EXPECT_LE(t->rows * t->cols * t->channels * 2, kCambriconX.nbout);
}

}  // namespace
}  // namespace tetris::workloads
