// TFLite Micro's GreedyMemoryPlanner (tensorflow/tflite-micro,
// tensorflow/lite/micro/memory_planner/greedy_memory_planner.cc), as a baseline.
//
// Buffers are taken largest first. The sort is stable over the list upstream builds from the
// tail, so among equal sizes the buffer added last goes first (current upstream's rule). Each
// buffer then goes to the first gap, scanning up from offset 0, among the already placed
// buffers it overlaps in time: first fit, not best fit. Upstream lifetimes are inclusive
// [first, last]; ours are half-open, and "overlaps in time" is read from the conflicts, which
// for interval problems is the same thing. Offsets are rounded up to each buffer's alignment.
#pragma once

#include "memmgr/planner.h"

namespace tetris::memmgr {

PlanResult plan_tflm_greedy(const Problem& problem, const PlannerOptions& options);

}  // namespace tetris::memmgr
