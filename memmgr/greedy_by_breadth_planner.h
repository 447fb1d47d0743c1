// Greedy by breadth with offsets, after Pisarchyk & Lee, "Efficient Memory Management for Deep
// Neural Net Inference" (arXiv:2001.03288, 2020); upstream TFLite only ships the shared-object
// form (tensorflow/lite/delegates/gpu/common/memory_management/greedy_by_breadth_assignment.cc).
//
// The breadth of a moment in time is the total size of the buffers live then. Moments are
// visited from the broadest down (earlier first on ties); at each, its not yet placed buffers are
// placed largest first, each in the smallest gap among the placed buffers it conflicts with
// (lowest offset on ties), on top only when no gap fits. Moments are the distinct lifespan
// starts: the live set only grows there, so no other moment is broader.
#pragma once

#include "memmgr/planner.h"

namespace tetris::memmgr {

PlanResult plan_greedy_by_breadth(const Problem& problem, const PlannerOptions& options);

}  // namespace tetris::memmgr
