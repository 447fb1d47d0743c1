// Lowering stage 1b (--schedule cascade): chains of consecutive steps that each core runs strip by
// strip of the chain's last output, so the tensors inside a chain live in small rolling buffers.
//
// Fused-layer accelerators (Alwani et al., MICRO 2016) and Arm Vela's cascading compute a band
// of output rows through several layers before moving on. Here each core walks its own rows of
// the chain's last step in strips; for each strip it computes, step by step, the rows of every
// earlier step that the strip needs and it has not computed yet, into a ring of rows of its own.
// A core computes the halo rows its band needs itself (the rows at a band edge are computed by
// both neighbours, each into its own ring), so no core waits for another inside a chain: the
// chain needs a barrier only before and after it (under p2p sync, a core waits only for the
// writers of what the chain reads from outside). What a ring holds at once is the window of
// rows its readers read for one strip, so an inner tensor costs a few rows instead of a
// whole feature map; the price is the weights, reloaded for every strip, and the halo rows
// computed twice.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "common/machine_config.h"
#include "common/trace.h"
#include "workloads/tensor_region.h"
#include "workloads/work_items.h"

namespace tetris::workloads {

// Steps [first, last], each one item cut into row bands of all channels. The output of every
// step before `last` is read only by later steps of the segment, row by row (any of the next
// steps up to a segment's length: a residual block's input is read by its first convolution and
// by its add), so it lives in each core's ring; only `last` writes a whole tensor.
struct CascadeSegment {
  std::uint32_t first = 0, last = 0;
  std::uint64_t strip_rows = 1;  // rows of the last step's output per strip
  // Per step (index step - first): the inputs of its item that read a ring, each with the inner
  // step (index) whose output that is.
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> ring_inputs;
  // Per inner step (index j for step first + j < last): each core's ring (an empty tensor
  // placement for a core with no rows).
  std::vector<std::vector<Placement>> rings;
};

struct CascadePlan {
  std::vector<CascadeSegment> segments;
  std::vector<std::int32_t> segment_of_step;  // per step: the segment it belongs to, or -1

  const CascadeSegment* starting_at(std::uint32_t step) const;
};

// Rows [lo, hi) of sample n of one step's output: one piece of a core's work in a segment.
struct CascadeWork {
  std::uint32_t step = 0;
  std::uint64_t n = 0, lo = 0, hi = 0;
};

// The pieces of work of core `core` in `segment`, in the order it runs them: per sample, per
// strip of its rows of the last step, the new rows of each step from the first.
void walk_segment(const WorkPlan& work, const CascadeSegment& segment, CoreId core,
                  const std::function<void(const CascadeWork&)>& visit);

// Per inner step of `segment`, the rows of its output a core holds at once (its ring): the
// most, over the core's strips, from the lowest row any of its readers reads to the highest
// computed.
std::vector<std::uint64_t> ring_rows(const WorkPlan& work, const CascadeSegment& segment, CoreId core);

// Per step of `segment` (index step - first), the rows core `core` computes as one region (their
// hull; empty when it computes none): all channels, and the last step's channels of the core.
std::vector<CoreRegion> walked_regions(const WorkPlan& work, const CascadeSegment& segment, CoreId core);

// Every tensor the segments touch, ascending, each once: the rings, each segment's output and
// the activations its steps read. A core writes and reads them strip by strip between its other
// work (blocks.h cuts them per stored tile).
std::vector<TensorId> touched_tensors(const WorkPlan& work, const CascadePlan& cascades);

// What the cycle estimates of a segment take from the machine, and how much slower than its
// layers run one by one a segment may be estimated to be.
struct CascadeCosts {
  double bytes_per_cycle = 64, latency_cycles = 100, macs_per_core_cycle = 256;
  double slowdown = 0.10;
  bool multicast = false;  // the cores' weight reloads are multicast groups, read once for all

  static CascadeCosts of(const MachineConfig& config);
};

// Chooses the segments of a rows-partitioned work plan and gives every inner step a ring per
// core: the inner tensor becomes the first core's ring and the other cores' rings are new
// tensors (`NAME@coreK`). Marks the inner steps in work.joins_next (no barrier after them).
// A chain is split into the segments that make the smallest peak of live bytes (what a segment
// reads from outside, its output and its rings), then the smallest area (live bytes x steps),
// among those estimated at most `costs.slowdown` slower than the
// `layered` plan's steps (the partition asked for; `work` itself when null).
CascadePlan plan_cascades(WorkPlan& work, const CascadeCosts& costs, const WorkPlan* layered = nullptr);

}  // namespace tetris::workloads
