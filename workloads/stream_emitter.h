// Lowering stage 3: one core's instruction stream, from the work items and the sync plan: each
// tile as loads -> compute -> stores, then a barrier or the signals and waits between steps.
#pragma once

#include <vector>

#include "common/trace.h"
#include "workloads/cascade.h"
#include "workloads/lowering.h"
#include "workloads/sync_plan.h"
#include "workloads/work_items.h"

namespace tetris::workloads {

// Under barrier sync, barrier k is the one after work.barrier_steps()[k], with every core.
// Throws std::logic_error on a wait the sync plan did not plan (a bug).
// Steps inside a cascade segment run as the segment's walk (workloads/cascade.h).
std::vector<Instruction> emit_stream(const WorkPlan& work, const SyncPlan& sync, SyncMode mode, CoreId core,
                                     const CascadePlan& cascades = {});

}  // namespace tetris::workloads
