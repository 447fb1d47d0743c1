#include "workloads/blocks.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace tetris::workloads {
namespace {

struct AccessSpan {
  std::uint64_t begin, end;
  CoreId core;
};

// Cuts of one tensor from its stores: before a store that starts at or after the end of every
// store below it (so no store is split), and, in band mode, whose core differs from the one before.
//
// In band mode with channel groups the cores of a row band take turns along each image row, so
// that rule cuts at every tile: 896 blocks for one ResNet-50 tensor at batch 8 on 16 cores, whose
// conflicts took the analysis past 2 GB and, at batch 16, past its 2^25 records
// (docs/performance.md). Past kMaxBandBlocks a tensor is cut only where a core not yet writing the
// block starts (a block per row band and its cores), and also where the rule above would cut once
// the block holds 1/32 of the tensor, so a band still dies in parts. Below it nothing changes:
// the zoo at batch 1 stays under it, where the finer blocks plan up to 13% smaller.
constexpr std::size_t kMaxBandBlocks = 256;

// Mixed mode tiles the activations of at least 1/kMixedTiledShare of the largest one's bytes. With
// a half, a VGG-16 tensor of a third stayed in bands and the 4-core plan at 1.13 x its bound
// (7.14 MiB; 1.12 after a 30 s search); with a quarter, 6.36 MiB at 1.007 x (commit 2a5a2a6: every
// barrier plan of `--blocks auto` on the zoo then within 1.016 x; docs/lowering.md, "Blocks").
constexpr std::uint64_t kMixedTiledShare = 4;

// Loads a band cut may make of one, on average over a tensor's loads, before a tensor read across
// its bands is kept whole under barrier sync (ReadAcross::keep_whole). Past 2 a load is a core's
// rows and halos on both sides, or a channel slice through every band: under barrier sync the
// neighbours read those bands concurrently in one phase, so they die at its end, cut or not.
// Against 4 (and against no limit), the zoo's barrier cells: ResNet-18 / 16 cores +3.0% (+6.6%)
// -> +0.5% cycles over whole tensors, MobileNet-v1 / 16 +5.1% -> +0.3% and 1.83 -> 1.73 MiB;
// no plan more than 0.01 MiB larger. Under p2p sync a limit of 4 already cost memory (GoogLeNet /
// 16 cores in bands 1.98 -> 2.16 MiB, MobileNet-v1 / 4 1.93 -> 2.11), so p2p keeps the cuts
// (docs/lowering.md, "Loads read across bands").
constexpr std::size_t kMaxBandSplit = 2;

std::vector<std::uint64_t> cuts_of(std::vector<AccessSpan>& stores, std::uint64_t bytes, BlockMode mode) {
  std::sort(stores.begin(), stores.end(),
            [](const AccessSpan& a, const AccessSpan& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  const auto apart = [&](std::size_t i, std::uint64_t reach) {
    return i > 0 && stores[i].begin >= reach && stores[i].begin > 0 && stores[i].begin < bytes;
  };
  std::vector<std::uint64_t> cuts;
  std::uint64_t reach = 0;  // the highest end among the stores so far
  for (std::size_t i = 0; i < stores.size(); ++i) {
    const AccessSpan& s = stores[i];
    const bool new_core = i > 0 && s.core != stores[i - 1].core;
    if (apart(i, reach) && (mode == BlockMode::tile || new_core) && (cuts.empty() || cuts.back() < s.begin))
      cuts.push_back(s.begin);
    reach = std::max(reach, s.end);
  }
  if (mode != BlockMode::band || cuts.size() < kMaxBandBlocks) return cuts;
  std::vector<std::uint64_t> coarse;
  std::vector<CoreId> writers;  // of the block being built
  std::uint64_t block_begin = 0;
  reach = 0;
  for (std::size_t i = 0; i < stores.size(); ++i) {
    const AccessSpan& s = stores[i];
    const bool new_writer = std::find(writers.begin(), writers.end(), s.core) == writers.end();
    const bool band_cut = i > 0 && s.core != stores[i - 1].core;
    const bool big = s.begin - block_begin >= std::max<std::uint64_t>(1, bytes / 32);
    if (apart(i, reach) && (new_writer || (band_cut && big)) && (coarse.empty() || coarse.back() < s.begin)) {
      coarse.push_back(s.begin);
      writers.assign(1, s.core);
      block_begin = s.begin;
    } else if (new_writer) {
      writers.push_back(s.core);
    }
    reach = std::max(reach, s.end);
  }
  return coarse;
}

// Cuts of a tensor no store writes (a graph input) from its loads: the host writes it whole, so
// only its readers decide when its bytes die. By reader: a cut where each reading core's range
// ends, so under rows partition one block per reader's band, which can be reused once that core
// has read it while the others still read theirs; a halo row read by two cores goes with the lower
// band, whose top dies last anyway (a cut at the higher band's start would make that band's bottom
// live longest). Cores that all read everything (channels partition) give no cut. By load (and
// always in tile mode): a cut at each load's end, so the input dies tile by tile; in band mode at
// most kMaxBandBlocks blocks, every k-th of the load ends kept, since every two input blocks
// conflict until one is read. Loads are split at the cuts.
std::vector<std::uint64_t> cuts_of_input(const std::vector<AccessSpan>& loads, BlockMode mode, InputCuts input_cuts) {
  std::vector<std::uint64_t> cuts;
  if (mode == BlockMode::tile || input_cuts == InputCuts::by_load) {
    for (const AccessSpan& l : loads) cuts.push_back(l.end);
  } else {
    std::vector<std::uint64_t> last;  // per core, where its reads end
    for (const AccessSpan& l : loads) {
      if (l.core >= last.size()) last.resize(l.core + 1, 0);
      last[l.core] = std::max(last[l.core], l.end);
    }
    cuts = std::move(last);
  }
  // Bytes past the last read (a row a strided window skips) join the last block read, rather
  // than make a block nobody reads.
  std::uint64_t reach = 0;
  for (const AccessSpan& l : loads) reach = std::max(reach, l.end);
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  std::erase_if(cuts, [&](std::uint64_t cut) { return cut == 0 || cut >= reach; });
  if (mode == BlockMode::band && cuts.size() >= kMaxBandBlocks) {
    std::vector<std::uint64_t> kept;
    for (std::size_t k = 1; k < kMaxBandBlocks; ++k) kept.push_back(cuts[k * cuts.size() / kMaxBandBlocks]);
    kept.erase(std::unique(kept.begin(), kept.end()), kept.end());
    cuts = std::move(kept);
  }
  return cuts;
}

// Appends [begin, end) as contiguous ranges, one per block it touches.
void split_contiguous(const Tensor& tensor, std::uint64_t begin, std::uint64_t end, std::vector<TensorRange>& out) {
  while (begin < end) {
    const std::uint64_t stop = std::min(end, tensor.block_end(tensor.block_of(begin)));
    out.push_back(TensorRange::contiguous(begin, stop - begin));
    begin = stop;
  }
}

void split_range(const Tensor& tensor, const TensorRange& r, std::vector<TensorRange>& out) {
  if (tensor.block_of(r.offset) == tensor.block_of(r.end() - 1)) {
    out.push_back(r);
    return;
  }
  if (!r.is_2d()) return split_contiguous(tensor, r.offset, r.end(), out);
  for (std::uint64_t row = 0; row < r.rows;) {
    const std::uint64_t begin = r.offset + row * r.row_stride;
    const std::uint32_t block = tensor.block_of(begin);
    if (tensor.block_of(begin + r.row_bytes - 1) != block) {
      split_contiguous(tensor, begin, begin + r.row_bytes, out);
      ++row;
      continue;
    }
    std::uint64_t n = 1;  // rows from `row` that end in the same block (so they start in it too)
    while (row + n < r.rows && tensor.block_of(begin + n * r.row_stride + r.row_bytes - 1) == block) ++n;
    out.push_back(n == 1 ? TensorRange::contiguous(begin, r.row_bytes) : TensorRange{begin, r.row_bytes, r.row_stride, n});
    row += n;
  }
}

}  // namespace

std::string_view to_string(BlockMode mode) {
  switch (mode) {
    case BlockMode::tensor: return "tensor";
    case BlockMode::band: return "band";
    case BlockMode::tile: return "tile";
    case BlockMode::mixed: return "mixed";
    case BlockMode::automatic: return "auto";
  }
  return "tensor";
}

std::optional<BlockMode> parse_block_mode(std::string_view text) {
  for (const BlockMode mode :
       {BlockMode::tensor, BlockMode::band, BlockMode::tile, BlockMode::mixed, BlockMode::automatic})
    if (text == to_string(mode)) return mode;
  return std::nullopt;
}

void cut_into_blocks(Program& program, BlockMode mode, std::span<const TensorId> by_store, InputCuts input_cuts,
                     ReadAcross read_across) {
  if (mode == BlockMode::automatic)
    throw std::logic_error("block mode auto reached the lowering: pipeline::lower resolves it to band or mixed");
  if (mode == BlockMode::tensor) return;
  std::vector<bool> finer(program.tensors.size(), false);
  for (const TensorId t : by_store) finer[t] = true;
  if (mode == BlockMode::mixed) {
    std::uint64_t largest = 0;
    for (const Tensor& t : program.tensors)
      if (t.kind == TensorKind::activation) largest = std::max(largest, t.bytes);
    for (TensorId t = 0; t < program.tensors.size(); ++t)
      if (program.tensors[t].kind == TensorKind::activation && kMixedTiledShare * program.tensors[t].bytes >= largest)
        finer[t] = true;
  }
  const BlockMode coarse = mode == BlockMode::tile ? BlockMode::tile : BlockMode::band;
  std::vector<std::vector<AccessSpan>> stores(program.tensors.size()), loads(program.tensors.size());
  for (CoreId c = 0; c < program.streams.size(); ++c)
    for (const Instruction& instruction : program.streams[c])
      if (const auto* store = std::get_if<Store>(&instruction.op))
        stores[store->tensor].push_back({store->range.offset, store->range.end(), c});
  // Loads only of the tensors no store writes (graph inputs): they alone are cut by their readers.
  for (CoreId c = 0; c < program.streams.size(); ++c)
    for (const Instruction& instruction : program.streams[c])
      if (const auto* load = std::get_if<Load>(&instruction.op); load && stores[load->tensor].empty())
        loads[load->tensor].push_back({load->range.offset, load->range.end(), c});
  bool any = false;
  for (TensorId t = 0; t < program.tensors.size(); ++t) {
    Tensor& tensor = program.tensors[t];
    if (!is_planned(tensor.kind)) continue;
    const BlockMode own = finer[t] ? BlockMode::tile : coarse;
    tensor.block_starts = stores[t].empty() ? cuts_of_input(loads[t], own, input_cuts) : cuts_of(stores[t], tensor.bytes, own);
    any |= !tensor.block_starts.empty();
  }
  if (read_across == ReadAcross::keep_whole && coarse == BlockMode::band && any) {
    // Bands that the loads read across (halo rows on both sides, channel slices through every
    // row) die in one barrier phase, and cut they would split each load into a request per band:
    // past kMaxBandSplit pieces a load on average over its loads, a stored tensor cut in bands
    // stays whole (ResNet-18 / 16 cores: res5a_branch2a read its 14-row input in channel slices,
    // 14 loads for one, +39% cycles on the DRAM). Counted load by load: nothing grows with them.
    std::vector<std::uint64_t> load_count(program.tensors.size(), 0), piece_count(program.tensors.size(), 0);
    std::vector<TensorRange> pieces;
    for (const auto& stream : program.streams)
      for (const Instruction& instruction : stream) {
        const auto* load = std::get_if<Load>(&instruction.op);
        if (!load || finer[load->tensor] || stores[load->tensor].empty() ||
            program.tensors[load->tensor].block_starts.empty())
          continue;
        pieces.clear();
        split_range(program.tensors[load->tensor], load->range, pieces);
        load_count[load->tensor] += 1;
        piece_count[load->tensor] += pieces.size();
      }
    any = false;
    for (TensorId t = 0; t < program.tensors.size(); ++t) {
      if (load_count[t] > 0 && piece_count[t] > kMaxBandSplit * load_count[t]) program.tensors[t].block_starts.clear();
      any |= !program.tensors[t].block_starts.empty();
    }
  }
  if (!any) return;
  std::vector<TensorRange> parts;
  for (auto& stream : program.streams) {
    std::vector<Instruction> split;
    split.reserve(stream.size());
    for (Instruction& instruction : stream) {
      const auto* load = std::get_if<Load>(&instruction.op);
      if (!load) {
        split.push_back(std::move(instruction));
        continue;
      }
      parts.clear();
      split_range(program.tensors[load->tensor], load->range, parts);
      for (const TensorRange& part : parts)
        // Blocks are cut before multicast groups are made (lowering.cc): a group's copy is never split.
        split.push_back({Load{load->tensor, part, load->buffer}, instruction.layer, instruction.line});
    }
    stream = std::move(split);
  }
}

}  // namespace tetris::workloads
