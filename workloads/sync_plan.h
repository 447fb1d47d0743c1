// Lowering stage 2, for point-to-point sync: which core reads bytes another core wrote in an
// earlier step, so the streams signal and wait between exactly those cores.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "common/trace.h"
#include "workloads/cascade.h"
#include "workloads/lowering.h"
#include "workloads/tensor_region.h"
#include "workloads/work_items.h"

namespace tetris::workloads {

// What a core stored in a step, in the trace tensor's own extent.
struct WriteRecord {
  CoreId core;
  std::uint32_t step;
  Box box;
};

// A reader core must wait, in the step it reads, for `writer`'s stores of step `step`.
struct SyncNeed {
  CoreId writer;
  std::uint32_t step;
  bool operator==(const SyncNeed&) const = default;
};

// Decided from each core's whole part of every item (not tile by tile), so it is the same
// whatever the tiling. Empty (no needs, no readers) under barrier sync. In a cascade segment a
// core's part of a step is the rows its walk computes (its band of the last step and the halo
// rows before it); only what the segment reads from outside needs a wait (a core's rings are its
// own), and only the last step's stores are read outside, so only they are recorded.
struct SyncPlan {
  std::vector<std::vector<WriteRecord>> writes;         // per trace tensor
  std::vector<std::vector<std::vector<SyncNeed>>> needs;  // per step, per reader core
  // Per step, per writer core: the cores that read its stores of that step, ascending, each with
  // the index of the writer's signal to it (the k-th signal from a writer to a reader follows the
  // k-th step the reader reads from it).
  std::vector<std::vector<std::vector<std::pair<CoreId, std::uint32_t>>>> readers_of;
};

SyncPlan plan_sync(const WorkPlan& work, SyncMode mode, const CascadePlan& cascades = {});

// The semaphore a writer signals and a reader waits on.
inline SemaphoreId semaphore(CoreId writer, CoreId reader, std::uint32_t cores) { return writer * cores + reader; }

}  // namespace tetris::workloads
