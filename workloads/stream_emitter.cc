#include "workloads/stream_emitter.h"

#include <algorithm>
#include <array>
#include <optional>
#include <stdexcept>

#include "workloads/cascade.h"
#include "workloads/tensor_region.h"
#include "workloads/tiling.h"

namespace tetris::workloads {
namespace {

using u64 = std::uint64_t;

// Emits one core's stream, step by step. Its state is this core's alone: the stream so far, the
// waits it has emitted per writer, and, within a step, which of the step's needs are met.
class CoreStreamEmitter {
 public:
  CoreStreamEmitter(const WorkPlan& work, const SyncPlan& sync, SyncMode mode, CoreId core,
                    const CascadePlan& cascades)
      : work_(work), sync_(sync), mode_(mode), core_(core), cascades_(cascades), consumed_(work.cores, 0) {}

  std::vector<Instruction> run() {
    const std::vector<std::uint32_t> barriers = work_.barrier_steps();
    for (std::uint32_t s = 0; s < work_.items.size(); ++s) {
      if (work_.items[s].empty()) continue;
      if (const CascadeSegment* segment = cascades_.starting_at(s)) {
        emit_segment(*segment);
        s = segment->last;
      } else {
        emit_step(s);
      }
      if (mode_ != SyncMode::barrier) continue;
      const auto it = std::lower_bound(barriers.begin(), barriers.end(), s);
      if (it != barriers.end() && *it == s)
        stream_.push_back({Barrier{static_cast<BarrierId>(it - barriers.begin())}, step_, 0});
    }
    return std::move(stream_);
  }

 private:
  struct PendingNeed {
    SyncNeed need;
    bool done = false;
  };

  void emit(Operation op) { stream_.push_back({std::move(op), step_, 0}); }

  // Waits until `writer`'s stores of `step` happen before what follows.
  void wait_for(CoreId writer, std::uint32_t step) {
    const auto& readers = sync_.readers_of[step][writer];
    const auto it = std::lower_bound(readers.begin(), readers.end(), std::make_pair(core_, std::uint32_t{0}));
    if (it == readers.end() || it->first != core_) throw std::logic_error("internal error: an unplanned wait");
    std::uint32_t& consumed = consumed_[writer];
    while (consumed <= it->second) {
      emit(Wait{semaphore(writer, core_, work_.cores)});
      ++consumed;
    }
  }

  // A load waits first for the writers of the bytes it reads (p2p), at the first load that needs them.
  void load(const Placement& p, const Box& box, OnChipBuffer buffer) {
    if (box.empty()) return;
    wait_for_writers(p, box);
    ranges_.clear();
    append_ranges(p, box, work_.element_bytes, ranges_);
    for (const TensorRange& r : ranges_) emit(Load{p.tensor, r, buffer});
  }

  void wait_for_writers(const Placement& p, const Box& box) {
    if (mode_ == SyncMode::p2p && !pending_.empty()) {
      const Box tb = tensor_box(p, box);
      for (PendingNeed& pending : pending_) {
        if (pending.done) continue;
        for (const WriteRecord& w : sync_.writes[p.tensor])
          if (w.core == pending.need.writer && w.step == pending.need.step && w.box.intersects(tb)) {
            wait_for(pending.need.writer, pending.need.step);
            pending.done = true;
            break;
          }
      }
    }
  }

  // Every step_h-th row and step_w-th column of `box` (from its first): a range per row, whose
  // rows are the pixels' channel runs step_w pixels apart.
  void load_skipping(const Placement& p, const Box& box, u64 step_h, u64 step_w) {
    if (box.empty()) return;
    wait_for_writers(p, box);
    const u64 pixel_stride = step_w * p.storage.c * work_.element_bytes;
    const u64 cols = (box.w1 - box.w0 + step_w - 1) / step_w;
    for (u64 n = box.n0; n < box.n1; ++n)
      for (u64 h = box.h0; h < box.h1; h += step_h) {
        ranges_.clear();
        append_ranges(p, {n, n + 1, h, h + 1, box.w0, box.w0 + 1, box.c0, box.c1}, work_.element_bytes, ranges_);
        TensorRange r = ranges_.at(0);
        if (cols > 1) r.row_stride = pixel_stride, r.rows = cols;
        emit(Load{p.tensor, r, OnChipBuffer::nbin});
      }
  }

  void store(const Placement& p, const Box& box) {
    ranges_.clear();
    append_ranges(p, box, work_.element_bytes, ranges_);
    for (const TensorRange& r : ranges_) emit(Store{p.tensor, r, OnChipBuffer::nbout});
  }

  // Rows of the dense weight matrix; a compressed one (pruned conv) holds them in fewer rows.
  void load_weights(const WorkItem& item, u64 row0, u64 row1, u64 col0, u64 col1) {
    if (item.kind == ItemKind::conv) {
      std::tie(row0, row1) = item.conv.stored_rows(row0, row1);
      // The compiler stores each out-channel chunk's columns together, row by row (the weights
      // are constants, laid out offline in the order the cores load them): one chunk's rows are
      // one contiguous range.
      const u64 rows = item.weights->shape.w, eb = work_.element_bytes;
      emit(Load{item.weights->tensor,
                TensorRange::contiguous((col0 * rows + row0 * (col1 - col0)) * eb, (row1 - row0) * (col1 - col0) * eb),
                OnChipBuffer::sb});
      return;
    }
    load(*item.weights, {0, 1, 0, 1, row0, row1, col0, col1}, OnChipBuffer::sb);
  }

  void emit_step(std::uint32_t s) {
    step_ = s;
    pending_.clear();
    if (mode_ == SyncMode::p2p)
      for (const SyncNeed& need : sync_.needs[s][core_]) pending_.push_back({need});
    for (const WorkItem& item : work_.items[s]) {
      const CoreRegion& region = item.regions[core_];
      if (region.empty()) continue;
      switch (item.kind) {
        case ItemKind::conv: emit_conv(item, region); break;
        case ItemKind::pointwise: emit_pointwise(item, region); break;
        case ItemKind::global_pool: emit_global_pool(item, region); break;
      }
    }
    if (mode_ == SyncMode::p2p) {
      for (PendingNeed& pending : pending_)
        if (!pending.done) wait_for(pending.need.writer, pending.need.step), pending.done = true;
      for (const auto& [reader, index] : sync_.readers_of[s][core_]) emit(Signal{semaphore(core_, reader, work_.cores)});
    }
  }

  // A cascade: each piece of this core's walk through the segment is the piece's rows of its
  // step's item, written into this core's ring (inner steps) and reading the rings of the earlier
  // steps it reads.
  // Under p2p sync a load waits for the writers of what it reads from outside the segment, as in
  // a step; the segment's stores are signalled once it is done, when the last step's are all made.
  void emit_segment(const CascadeSegment& segment) {
    pending_.clear();
    if (mode_ == SyncMode::p2p)
      for (std::uint32_t s = segment.first; s <= segment.last; ++s)
        for (const SyncNeed& need : sync_.needs[s][core_]) pending_.push_back({need});
    walk_segment(work_, segment, core_, [&](const CascadeWork& w) {
      step_ = w.step;
      WorkItem item = work_.items[w.step][0];
      const u64 j = w.step - segment.first;
      for (const auto& [input, producer] : segment.ring_inputs[j]) item.in[input] = segment.rings[producer][core_];
      CoreRegion region{w.n * item.out.shape.h + w.lo, w.n * item.out.shape.h + w.hi, 0, item.out.shape.c};
      if (w.step < segment.last) {
        item.out = segment.rings[j][core_];
      } else {
        region.c0 = item.regions[core_].c0, region.c1 = item.regions[core_].c1;
      }
      if (item.kind == ItemKind::conv)
        emit_conv(item, region);
      else
        emit_pointwise(item, region);
    });
    if (mode_ == SyncMode::p2p) {
      for (PendingNeed& pending : pending_)
        if (!pending.done) wait_for(pending.need.writer, pending.need.step), pending.done = true;
      for (std::uint32_t s = segment.first; s <= segment.last; ++s)
        for (const auto& [reader, index] : sync_.readers_of[s][core_]) emit(Signal{semaphore(core_, reader, work_.cores)});
    }
  }

  struct OcChunk {
    u64 o0, o1;
    bool spans;  // whole groups; the input channels of every group in it
  };

  static std::vector<OcChunk> oc_chunks(const ConvGeometry& g, u64 c0, u64 c1, u64 toc) {
    std::vector<OcChunk> chunks;
    const u64 ocg = g.out_per_group();
    if (g.groups == 1) {
      for (const auto& [a, b] : split_evenly(c0, c1, toc)) chunks.push_back({a, b, false});
      return chunks;
    }
    if (toc >= ocg) {
      u64 a = c0;
      if (a % ocg != 0) {
        const u64 e = std::min(c1, (a / ocg + 1) * ocg);
        chunks.push_back({a, e, false});
        a = e;
      }
      const u64 b = std::max(a, c1 - c1 % ocg);
      for (const auto& [g0, g1] : split_evenly(0, (b - a) / ocg, toc / ocg))
        chunks.push_back({a + g0 * ocg, a + g1 * ocg, true});
      if (b < c1) chunks.push_back({b, c1, false});
      return chunks;
    }
    for (u64 group = c0 / ocg; group * ocg < c1; ++group)
      for (const auto& [a, b] : split_evenly(std::max(c0, group * ocg), std::min(c1, (group + 1) * ocg), toc))
        chunks.push_back({a, b, false});
    return chunks;
  }

  void emit_conv(const WorkItem& item, const CoreRegion& region) {
    const ConvGeometry& g = item.conv;
    const ConvTiling& t = item.conv_tiling;
    const u64 icg = g.in_per_group(), ocg = g.out_per_group(), k2 = g.kernel_area();
    std::vector<Box> tiles;
    for (const Box& rb : region_boxes(region, g.out)) spatial_tiles(rb, g.out, t.rows, t.cols, t.samples, tiles);
    const std::vector<OcChunk> ocs = oc_chunks(g, region.c0, region.c1, t.out_channels);
    struct IcChunk {
      u64 c0, c1;    // input channels
      u64 r0, r1;    // weight rows
      u64 channels;  // input channels per output channel (MACs per output = channels x kernel area)
    };
    auto ic_chunks = [&](const OcChunk& oc) {
      std::vector<IcChunk> chunks;
      if (oc.spans) {
        chunks.push_back({oc.o0 / ocg * icg, oc.o1 / ocg * icg, 0, g.weight_rows(), icg});
        return chunks;
      }
      const u64 base = oc.o0 / ocg * icg;
      for (const auto& [a, b] : split_evenly(0, icg, t.in_channels))
        chunks.push_back({base + a, base + b, a * k2, b == icg ? g.weight_rows() : b * k2, b - a});
      return chunks;
    };
    std::array<u64, 3> in_key{~u64{0}, 0, 0};
    std::array<u64, 5> w_key{~u64{0}, 0, 0, 0, 0};
    auto tile = [&](std::size_t sp, const OcChunk& oc, const IcChunk& ic, bool last) {
      const Box& out = tiles[sp];
      const std::array<u64, 3> ik{sp, ic.c0, ic.c1};
      if (ik != in_key) {
        Box in = footprint(item, 0, {out.n0, out.n1, out.h0, out.h1, out.w0, out.w1, oc.o0, oc.o1});
        in.c0 = ic.c0, in.c1 = ic.c1;
        if (g.skips_input())
          load_skipping(item.in[0], in, g.stride_h, g.stride_w);
        else
          load(item.in[0], in, OnChipBuffer::nbin);
        in_key = ik;
      }
      // Weights of their own per sample (a matrix operand) change with the sample too.
      const u64 sample = g.weights_per_sample ? out.n0 : 0;
      const std::array<u64, 5> wk = t.whole_weights ? std::array<u64, 5>{oc.o0, oc.o1, 0, g.weight_rows(), sample}
                                                    : std::array<u64, 5>{oc.o0, oc.o1, ic.r0, ic.r1, sample};
      if (wk != w_key) {
        if (g.weights_per_sample)  // the second operand of a product of two activations
          load(item.in[1], {sample, sample + 1, 0, 1, wk[2], wk[3], oc.o0, oc.o1}, OnChipBuffer::sb);
        else
          load_weights(item, wk[2], wk[3], oc.o0, oc.o1);
        w_key = wk;
      }
      const u64 pixels = (out.n1 - out.n0) * (out.h1 - out.h0) * (out.w1 - out.w0);
      // A fused residual joins the accumulators in NBout before the last partial sum.
      if (last && item.residual)
        load(item.in.back(), {out.n0, out.n1, out.h0, out.h1, out.w0, out.w1, oc.o0, oc.o1}, OnChipBuffer::nbout);
      emit(Compute{item.op, g.sparse_work(pixels * (oc.o1 - oc.o0) * ic.channels * k2)});
      if (last) store(item.out, {out.n0, out.n1, out.h0, out.h1, out.w0, out.w1, oc.o0, oc.o1});
    };
    auto all_ic = [&](std::size_t sp, const OcChunk& oc) {
      const std::vector<IcChunk> ics = ic_chunks(oc);
      for (std::size_t i = 0; i < ics.size(); ++i) tile(sp, oc, ics[i], i + 1 == ics.size());
    };
    for (std::size_t first = 0; first < tiles.size(); first += t.strip) {
      const std::size_t last = std::min(tiles.size(), first + t.strip);
      for (const OcChunk& oc : ocs)
        for (std::size_t sp = first; sp < last; ++sp) all_ic(sp, oc);
    }
  }

  void emit_pointwise(const WorkItem& item, const CoreRegion& region) {
    const PointwiseTiling& t = item.tiling;
    std::vector<Box> tiles;
    for (const Box& rb : region_boxes(region, item.out.shape))
      spatial_tiles(rb, item.out.shape, t.rows, t.cols, t.samples, tiles);
    const auto channel_chunks = split_evenly(region.c0, region.c1, t.channels);
    std::vector<std::optional<Box>> in_sb(item.in.size());  // what each synapse input holds in SB now
    for (const Box& sp : tiles)
      for (const auto& [c0, c1] : channel_chunks) {
        Box out = sp;
        out.c0 = c0, out.c1 = c1;
        const u64 work = out.elements() * item.work_per_element;
        for (u64 k = 0; k < item.reduce_chunks; ++k) {
          for (std::size_t i = 0; i < item.in.size(); ++i) {
            Box in = item.maps[i].map(out);
            if (item.reduce_chunks > 1) {
              const std::uint32_t axis = *item.maps[i].full_axis;
              const u64 len = dim(item.in[i].shape, axis);
              set_range(in, axis, k * len / item.reduce_chunks, (k + 1) * len / item.reduce_chunks);
            }
            if (!item.maps[i].synapses) {
              load(item.in[i], in, OnChipBuffer::nbin);
            } else if (in_sb[i] != in) {
              load(item.in[i], in, OnChipBuffer::sb);
              in_sb[i] = in;
            }
          }
          if (item.weights && k == 0) load_weights(item, 0, item.param_rows, c0, c1);
          emit(Compute{item.op, (k + 1) * work / item.reduce_chunks - k * work / item.reduce_chunks});
        }
        store(item.out, out);
      }
  }

  void emit_global_pool(const WorkItem& item, const CoreRegion& region) {
    const PointwiseTiling& t = item.tiling;
    const Extent& in = item.in[0].shape;
    const auto channel_chunks = split_evenly(region.c0, region.c1, t.channels);
    // Output rows are samples (H = 1); each output tile reduces the chunks of its samples' input.
    std::vector<std::pair<u64, u64>> sample_groups;
    if (t.samples > 1)
      sample_groups = split_evenly(region.r0, region.r1, t.samples);
    else
      for (u64 n = region.r0; n < region.r1; ++n) sample_groups.push_back({n, n + 1});
    std::vector<Box> chunks;
    for (const auto& [c0, c1] : channel_chunks)
      for (const auto& [n0, n1] : sample_groups) {
        chunks.clear();
        spatial_tiles({n0, n1, 0, in.h, 0, in.w, c0, c1}, in, t.rows, t.cols, t.samples, chunks);
        for (const Box& chunk : chunks) {
          load(item.in[0], chunk, OnChipBuffer::nbin);
          emit(Compute{item.op, chunk.elements() * item.work_per_element});
        }
        store(item.out, {n0, n1, 0, 1, 0, 1, c0, c1});
      }
  }

  const WorkPlan& work_;
  const SyncPlan& sync_;
  const SyncMode mode_;
  const CoreId core_;
  const CascadePlan& cascades_;
  std::vector<Instruction> stream_;
  std::vector<std::uint32_t> consumed_;  // per writer: waits emitted
  std::optional<LayerId> step_;          // the trace layer of what is emitted: the step's index
  std::vector<PendingNeed> pending_;     // the current step's needs
  std::vector<TensorRange> ranges_;      // scratch
};

}  // namespace

std::vector<Instruction> emit_stream(const WorkPlan& work, const SyncPlan& sync, SyncMode mode, CoreId core,
                                     const CascadePlan& cascades) {
  return CoreStreamEmitter(work, sync, mode, core, cascades).run();
}

}  // namespace tetris::workloads
