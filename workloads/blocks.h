// Lowering stage 4 (optional): cut tensors into blocks, each placed at its own base, so a plan
// can reuse a band of a tensor as soon as that band dies. Loads that cross a cut are split.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/trace.h"

namespace tetris::workloads {

enum class BlockMode : std::uint8_t {
  tensor,  // one block per tensor: the tensor is placed rigidly (the paper's reading)
  band,    // a cut wherever the storing core changes: one block per core's band under rows partition
  tile,    // a cut before every store that no other store overlaps: about one block per stored tile
  // Bands, but the big activations (at least a quarter of the bytes of the largest) in tiles:
  // the tensors that decide a peak die tile by tile, at a fraction of tile mode's extra loads.
  mixed,
  // band or mixed, whichever the Tetris planner packs smaller: pipeline::lower decides
  // (pipeline/pipeline.h, resolve_blocks) and lowers with the one it chose; the lowering itself
  // never sees it.
  automatic,
};

std::string_view to_string(BlockMode mode);
std::optional<BlockMode> parse_block_mode(std::string_view text);

// Sets the block boundaries of every planned tensor that stores write, by `mode` (a cut never
// splits a store), then splits each load that crosses a boundary into loads within one block:
// a 1-D range at the cuts; a 2-D range into runs of rows inside one block, a row across a cut
// into 1-D pieces. The same bytes move in the same order; only instructions are added.
// `by_store`: tensors cut as in tile mode whatever `mode` is, unless it is tensor: those a
// cascade touches (its rings, outputs and inputs), which a core writes or reads strip by strip
// between its other work, so a block per core's band would keep its first strip live until the
// band's last strip dies.
// `input_cuts`: how band mode cuts a graph input (a tensor no store writes), blocks.cc.
enum class InputCuts : std::uint8_t {
  by_reader,  // where each reading core's range ends (none when every core reads it all)
  by_load,    // where each load ends: the input dies tile by tile
};
// `read_across`: what band mode (and mixed mode's bands) does with a stored tensor whose loads
// read across its bands (halo rows on both sides, channel slices through every row), so that
// cutting would split its loads into more than two pieces each on average (kMaxBandSplit,
// blocks.cc).
enum class ReadAcross : std::uint8_t {
  cut,         // cut it anyway: under p2p sync its bands die as the cores that read them move on
  keep_whole,  // under barrier sync its bands die in the same phase: the cuts would only add loads
};
void cut_into_blocks(Program& program, BlockMode mode, std::span<const TensorId> by_store = {},
                     InputCuts input_cuts = InputCuts::by_reader, ReadAcross read_across = ReadAcross::cut);

}  // namespace tetris::workloads
