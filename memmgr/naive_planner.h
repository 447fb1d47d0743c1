// The no-reuse baseline: every buffer gets its own addresses, stacked in buffer order.
// Its peak is the sum of the (aligned) sizes, the figure "reduction vs no reuse" is measured against.
#pragma once

#include "memmgr/planner.h"

namespace tetris::memmgr {

PlanResult plan_naive(const Problem& problem, const PlannerOptions& options);

}  // namespace tetris::memmgr
