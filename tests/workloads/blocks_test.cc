// Lowering stage 4 on its own: band and tile cuts never split a store, every load lies in one
// block, the same bytes move, and the program stays sound (stores once, no race, tiles fit).
#include "workloads/blocks.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "common/machine_config.h"
#include "common/trace_io.h"
#include "small_models.h"
#include "tests/support/program_checks.h"
#include "workloads/lowering.h"
#include "workloads/model_loader.h"
#include "workloads/model_yaml.h"

namespace tetris::workloads {
namespace {

using fixtures::kTwoConvs;

std::uint64_t bytes_loaded(const Program& p) {
  std::uint64_t bytes = 0;
  for (const auto& stream : p.streams)
    for (const Instruction& i : stream)
      if (const auto* l = std::get_if<Load>(&i.op)) bytes += l->range.bytes();
  return bytes;
}

Program lowered(const Model& model, const MachineConfig& config, SyncMode sync, BlockMode blocks) {
  LoweringOptions options;
  options.sync = sync;
  options.blocks = blocks;
  return lower(model, config, options);
}

// Eight cores store a 16-row activation in bands of 2 rows. Read by each core's own band, or with
// a halo row below it (2 pieces a load, 1 on the last core: at most kMaxBandSplit), it keeps its
// cuts. Read with a halo row on both sides (a 3 x 3 window: 3 pieces a load inside, 2 at the
// edges), or in channel slices that each take every row (16 channels, a slice of 2 per core: 8
// pieces a load), cutting would split its loads past kMaxBandSplit (2) on average. Under barrier
// sync (ReadAcross::keep_whole) such a tensor stays whole; under p2p (ReadAcross::cut) it is cut.
TEST(Blocks, UnderBarrierSyncATensorReadAcrossItsBandsStaysWhole) {
  constexpr CoreId kCores = 8;
  const std::uint64_t row = 16 * 2;  // 16 channels of 2 bytes
  enum class Read { by_band, halo_below, with_halos, across };
  const auto program = [&](Read read) {
    Program p;
    p.cores = kCores;
    p.layers = {{"a", "conv"}, {"b", "conv"}};
    p.tensors = {{"x", 16 * row, TensorKind::activation, LayerId{0}, {}},
                 {"y", 16 * row, TensorKind::output, LayerId{1}, {}}};
    for (CoreId c = 0; c < kCores; ++c) p.barriers[0].push_back(c);
    p.streams.resize(kCores);
    for (CoreId c = 0; c < kCores; ++c) {
      auto& s = p.streams[c];
      s.push_back({Store{0, TensorRange::contiguous(2 * c * row, 2 * row), OnChipBuffer::nbout}, LayerId{0}});
      s.push_back({Barrier{0}, std::nullopt});
      const std::uint64_t first = c == 0 ? 0 : 2 * c - 1, last = std::min<std::uint64_t>(16, 2 * c + 3);
      const TensorRange range = read == Read::across       ? TensorRange{2 * c * 2, 2 * 2, row, 16}  // channels 2c, 2c + 1
                                : read == Read::by_band    ? TensorRange::contiguous(2 * c * row, 2 * row)
                                : read == Read::halo_below ? TensorRange::contiguous(2 * c * row, (last - 2 * c) * row)
                                                           : TensorRange::contiguous(first * row, (last - first) * row);
      s.push_back({Load{0, range, OnChipBuffer::nbin}, LayerId{1}});
      s.push_back({Store{1, TensorRange::contiguous(2 * c * row, 2 * row), OnChipBuffer::nbout}, LayerId{1}});
    }
    return p;
  };
  std::vector<std::uint64_t> bands;
  for (CoreId c = 1; c < kCores; ++c) bands.push_back(2 * c * row);
  const auto loads = [](const Program& p) {
    std::size_t n = 0;
    for (const auto& stream : p.streams)
      for (const Instruction& i : stream) n += std::holds_alternative<Load>(i.op);
    return n;
  };
  for (const Read read : {Read::by_band, Read::halo_below, Read::with_halos, Read::across}) {
    const bool stays_cut = read == Read::by_band || read == Read::halo_below;
    SCOPED_TRACE(read == Read::by_band      ? "by band"
                 : read == Read::halo_below ? "halo below"
                 : read == Read::with_halos ? "with halos"
                                            : "across");
    Program barrier = program(read), p2p = program(read);
    cut_into_blocks(barrier, BlockMode::band, {}, InputCuts::by_load, ReadAcross::keep_whole);
    cut_into_blocks(p2p, BlockMode::band, {}, InputCuts::by_reader, ReadAcross::cut);
    EXPECT_EQ(p2p.tensors[0].block_starts, bands);
    EXPECT_EQ(barrier.tensors[0].block_starts, stays_cut ? bands : std::vector<std::uint64_t>{});
    // Cut, each load became one per band it reads; whole, it stayed one.
    const std::size_t cut_loads = read == Read::by_band      ? kCores
                                  : read == Read::halo_below ? 2 * (kCores - 1) + 1
                                  : read == Read::with_halos ? 2 * 2 + 3 * (kCores - 2)
                                                             : kCores * kCores;
    EXPECT_EQ(loads(p2p), cut_loads);
    EXPECT_EQ(loads(barrier), stays_cut ? cut_loads : kCores);
    EXPECT_EQ(bytes_loaded(barrier), bytes_loaded(p2p));
  }
}

TEST(Blocks, BandsCutWhereTheStoringCoreChanges) {
  const MachineConfig config = load_machine_config("cambricon-x-4core");
  const Model model = parse_model_yaml(kTwoConvs, "two.yaml", {1, 2});
  for (const SyncMode sync : {SyncMode::barrier, SyncMode::p2p}) {
    const Program p = lowered(model, config, sync, BlockMode::band);
    // conv a's output (16 x 32 x 32, channels-last, 2 bytes): four bands of 8 rows.
    const std::uint64_t row = 32 * 16 * 2;
    const auto a = std::find_if(p.tensors.begin(), p.tensors.end(), [](const Tensor& t) { return t.name == "r"; });
    ASSERT_NE(a, p.tensors.end());
    EXPECT_EQ(a->block_starts, (std::vector<std::uint64_t>{8 * row, 16 * row, 24 * row}));
    if (sync == SyncMode::p2p) {
      // The input is stored by nobody: under p2p it is cut where each reader's rows end. Core c
      // reads input rows 8c - 1 .. 8c + 8 (3 x 3, pad 1), so the halo row 8c + 8 goes with the
      // lower band.
      EXPECT_EQ(p.tensors[0].block_starts, (std::vector<std::uint64_t>{9 * row, 17 * row, 25 * row}));
    }
  }
}

// Under barrier sync a graph input is cut where each of its loads ends (in the rigid program),
// so it dies tile by tile: the readers' cuts and more.
TEST(Blocks, UnderBarrierSyncAnInputIsCutWhereEachOfItsLoadsEnds) {
  const MachineConfig config = load_machine_config("cambricon-x-4core");
  const Model model = parse_model_yaml(kTwoConvs, "two.yaml", {1, 2});
  for (const PartitionMode partition : {PartitionMode::rows, PartitionMode::channels}) {
    SCOPED_TRACE(partition == PartitionMode::rows ? "rows" : "channels");
    LoweringOptions options;
    options.partition = partition;
    options.blocks = BlockMode::tensor;
    const Program rigid = lower(model, config, options);
    std::vector<std::uint64_t> ends;
    std::uint64_t reach = 0;
    for (const auto& stream : rigid.streams)
      for (const Instruction& i : stream)
        if (const auto* l = std::get_if<Load>(&i.op); l && l->tensor == 0)
          ends.push_back(l->range.end()), reach = std::max(reach, l->range.end());
    std::sort(ends.begin(), ends.end());
    ends.erase(std::unique(ends.begin(), ends.end()), ends.end());
    std::erase_if(ends, [&](std::uint64_t end) { return end >= reach; });
    ASSERT_LT(ends.size(), 256u);  // below the band limit: every end is a cut
    options.blocks = BlockMode::band;
    const Program p = lower(model, config, options);
    EXPECT_EQ(p.tensors[0].block_starts, ends);
    EXPECT_GT(p.tensors[0].block_count(), 4u);
    ASSERT_NO_THROW(validate_program(p, "blocks"));
  }
}

// Past 256 blocks band mode keeps every k-th load end of an input: 255 cuts, all load ends.
TEST(Blocks, AnInputWithManyLoadsKeepsEveryKthLoadEndUpTo256Blocks) {
  const MachineConfig config = load_machine_config("cambricon-x-16core");
  const Model model = load_model("resnet18", {8, 2});
  LoweringOptions options;
  options.blocks = BlockMode::tensor;
  const Program rigid = lower(model, config, options);
  const auto input = static_cast<TensorId>(std::find_if(rigid.tensors.begin(), rigid.tensors.end(),
                                                         [](const Tensor& t) { return t.kind == TensorKind::input; }) -
                                            rigid.tensors.begin());
  ASSERT_LT(input, rigid.tensors.size());
  std::vector<std::uint64_t> ends;
  std::uint64_t reach = 0;
  for (const auto& stream : rigid.streams)
    for (const Instruction& i : stream)
      if (const auto* l = std::get_if<Load>(&i.op); l && l->tensor == input)
        ends.push_back(l->range.end()), reach = std::max(reach, l->range.end());
  std::sort(ends.begin(), ends.end());
  ends.erase(std::unique(ends.begin(), ends.end()), ends.end());
  std::erase_if(ends, [&](std::uint64_t end) { return end >= reach; });
  ASSERT_GE(ends.size(), 256u);  // past the limit
  options.blocks = BlockMode::band;
  const Program p = lower(model, config, options);
  const std::vector<std::uint64_t>& cuts = p.tensors[input].block_starts;
  ASSERT_EQ(cuts.size(), 255u);
  for (std::size_t k = 1; k < 256; ++k) EXPECT_EQ(cuts[k - 1], ends[k * ends.size() / 256]) << k;
  ASSERT_NO_THROW(validate_program(p, "blocks"));
}

TEST(Blocks, AnInputReadWholeByEveryCoreStaysOneBlockUnderP2p) {
  const MachineConfig config = load_machine_config("cambricon-x-4core");
  const Model model = parse_model_yaml(kTwoConvs, "two.yaml", {1, 2});
  LoweringOptions options;
  options.blocks = BlockMode::band;
  options.sync = SyncMode::p2p;
  options.partition = PartitionMode::channels;  // every core reads the whole input
  const Program p = lower(model, config, options);
  EXPECT_EQ(p.tensors[0].block_count(), 1u);
}

TEST(Blocks, EveryModeMovesTheSameBytesAndStaysSound) {
  for (const std::uint32_t cores : {4u, 16u})
    for (const char* name : {"resnet18", "googlenet", "mobilenet-v2"})
      for (const SyncMode sync : {SyncMode::barrier, SyncMode::p2p}) {
        const MachineConfig config = load_machine_config(fmt::format("cambricon-x-{}core", cores));
        const Model model = load_model(name, {1, 2});
        const Program rigid = lowered(model, config, sync, BlockMode::tensor);
        EXPECT_FALSE(has_blocks(rigid));
        std::size_t previous_blocks = 0;
        for (const BlockMode mode : {BlockMode::band, BlockMode::mixed, BlockMode::tile}) {
          const Program p = lowered(model, config, sync, mode);
          SCOPED_TRACE(fmt::format("{} {} cores {} {}", name, cores, to_string(sync), to_string(mode)));
          ASSERT_NO_THROW(validate_program(p, "blocks"));  // no access crosses a block
          EXPECT_EQ(bytes_loaded(p), bytes_loaded(rigid));
          EXPECT_GE(p.streams[0].size(), rigid.streams[0].size());
          EXPECT_EQ(test_support::find_store_error(p), std::nullopt);
          EXPECT_EQ(test_support::find_race(p), std::nullopt);
          EXPECT_EQ(test_support::find_buffer_overflow(p, config.core), std::nullopt);
          std::size_t blocks = 0;
          for (const Tensor& t : p.tensors) blocks += t.block_count();
          EXPECT_GE(blocks, previous_blocks);  // mixed cuts at least where band does, tile where mixed does
          previous_blocks = blocks;
          // Written and read back, the blocks survive (trace format 2).
          EXPECT_EQ(write_trace(read_trace(write_trace(p), "again")), write_trace(p));
        }
      }
}

TEST(Blocks, ChannelGroupsAtABigBatchCutBandsWhereANewCoreStartsWriting) {
  // ResNet-50 on 16 cores at batch 8: the auto partition gives res2's convolutions channel
  // groups, whose cores take turns along each image row. Cut at every turn, res2a_branch2c_bn
  // had 896 blocks and the analysis 2 GB; past 256 cuts a tensor is cut where a core not yet
  // writing the block starts, or where a block already holds 1/32 of the tensor.
  const MachineConfig config = load_machine_config("cambricon-x-16core");
  const Model model = load_model("resnet50", {8, 2});
  const Program band = lowered(model, config, SyncMode::p2p, BlockMode::band);
  const Program tile = lowered(model, config, SyncMode::p2p, BlockMode::tile);
  ASSERT_NO_THROW(validate_program(band, "blocks"));
  EXPECT_EQ(bytes_loaded(band), bytes_loaded(lowered(model, config, SyncMode::p2p, BlockMode::tensor)));
  EXPECT_EQ(test_support::find_store_error(band), std::nullopt);
  EXPECT_EQ(test_support::find_race(band), std::nullopt);
  const auto named = [](const Program& p, std::string_view name) {
    return *std::find_if(p.tensors.begin(), p.tensors.end(), [&](const Tensor& t) { return t.name == name; });
  };
  const Tensor& coarse = named(band, "res2a_branch2c_bn");
  EXPECT_GT(coarse.block_count(), 8u);    // still cut: by row band, and within a band in parts
  EXPECT_LT(coarse.block_count(), 256u);  // no longer at every turn of the cores
  // Every coarse cut is a tile cut: no store is split, and a block is whole tiles.
  const Tensor& fine = named(tile, "res2a_branch2c_bn");
  for (const std::uint64_t cut : coarse.block_starts)
    EXPECT_TRUE(std::binary_search(fine.block_starts.begin(), fine.block_starts.end(), cut)) << cut;
  // A tensor whose band cuts stay below the limit keeps them (rows partition: a block per core).
  LoweringOptions rows;
  rows.sync = SyncMode::p2p;
  rows.blocks = BlockMode::band;
  rows.partition = PartitionMode::rows;
  EXPECT_EQ(named(lower(model, config, rows), "res2a_branch2c_bn").block_count(), 16u);
}

TEST(Blocks, ModesParseAndPrint) {
  for (const BlockMode mode : {BlockMode::tensor, BlockMode::band, BlockMode::tile, BlockMode::mixed, BlockMode::automatic})
    EXPECT_EQ(parse_block_mode(to_string(mode)), mode);
  EXPECT_EQ(parse_block_mode("auto"), BlockMode::automatic);
  EXPECT_EQ(parse_block_mode("bands"), std::nullopt);
}

// Mixed: an activation of at least a quarter of the largest activation's bytes is cut as tile mode cuts
// it, every other tensor (inputs too) as band mode does.
TEST(Blocks, MixedCutsTheBigActivationsAsTilesAndTheRestAsBands) {
  for (const char* name : {"vgg16", "mobilenet-v1"})
    for (const SyncMode sync : {SyncMode::barrier, SyncMode::p2p}) {
      SCOPED_TRACE(fmt::format("{} {}", name, to_string(sync)));
      const MachineConfig config = load_machine_config("cambricon-x-4core");
      const Model model = load_model(name, {1, 2});
      const Program band = lowered(model, config, sync, BlockMode::band);
      const Program tile = lowered(model, config, sync, BlockMode::tile);
      const Program mixed = lowered(model, config, sync, BlockMode::mixed);
      std::uint64_t largest = 0;
      for (const Tensor& t : mixed.tensors)
        if (t.kind == TensorKind::activation) largest = std::max(largest, t.bytes);
      int big = 0, small = 0;
      for (std::size_t t = 0; t < mixed.tensors.size(); ++t) {
        const bool is_big = mixed.tensors[t].kind == TensorKind::activation && 4 * mixed.tensors[t].bytes >= largest;
        EXPECT_EQ(mixed.tensors[t].block_starts, (is_big ? tile : band).tensors[t].block_starts) << mixed.tensors[t].name;
        (is_big ? big : small) += 1;
      }
      EXPECT_GT(big, 1);
      EXPECT_GT(small, big);
    }
}

// `auto` is for pipeline::lower to resolve (it analyses candidates): the lowering refuses it.
TEST(Blocks, AutoIsResolvedBeforeTheLowering) {
  const MachineConfig config = load_machine_config("cambricon-x-4core");
  const Model model = parse_model_yaml(kTwoConvs, "two.yaml", {1, 2});
  EXPECT_THROW(lowered(model, config, SyncMode::barrier, BlockMode::automatic), std::logic_error);
}

}  // namespace
}  // namespace tetris::workloads
