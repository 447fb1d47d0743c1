// TFLite GPU's greedy-by-size offset assignment (tensorflow/tensorflow,
// tensorflow/lite/delegates/gpu/common/memory_management/greedy_by_size_assignment.cc).
//
// Buffers are taken largest first (upstream's std::sort is unstable; we break ties by buffer
// index, which reproduces upstream's tests). Each goes to the smallest gap between the placed
// buffers it overlaps in time that holds it, lowest offset on ties; only when no interior gap
// fits does it go on top of them. Upstream lifetimes are inclusive task ranges; conflicts
// stand in for "overlaps in time".
#pragma once

#include "memmgr/planner.h"

namespace tetris::memmgr {

PlanResult plan_greedy_by_size(const Problem& problem, const PlannerOptions& options);

}  // namespace tetris::memmgr
