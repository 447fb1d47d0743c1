// Tensor-level liveness under happens-before: how a runtime allocator sees a multi-core program,
// one buffer per tensor (block), allocated at its first access and freed once all its accesses are done.
#pragma once

#include <string_view>

#include "common/trace.h"
#include "memmgr/happens_before.h"
#include "memmgr/problem.h"

namespace tetris::memmgr {

// One piece per planned tensor block (weights are not planned), alive over positions of the
// interleaving HappensBefore chose: from its first access (0 for graph inputs) to the first
// position from which every instruction happens after all its accesses (the end for graph
// outputs). A runtime frees a tensor when its last reader on any core is done; this is that free
// made safe for every execution. Two blocks whose lifespans do not overlap are therefore ordered
// by ≺ (every access of one before every access of the other), so this interval problem is safe
// under any synchronisation, where layer order (topology_liveness.h) is safe only under barriers:
// interval planners (TF-BFC, TFLite, XLA) plan on it. Lower bound: the most live bytes.
Problem tensor_liveness(const Program& program, const HappensBefore& hb, std::uint64_t alignment,
                        std::string_view origin);

}  // namespace tetris::memmgr
