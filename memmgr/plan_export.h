// A plan as a firmware build consumes it: one address constant per buffer (tensor or block) and
// the arena size, as a C header or JSON, like TFLite Micro's offline-planned tensor offsets.
#pragma once

#include <string>

#include "common/plan_file.h"
#include "memmgr/problem.h"

namespace tetris::memmgr {

// `offsets` in `problem`'s buffer order; `plan` for the header comment (planner, problem, tool).
// Buffer names become C identifiers: TETRIS_OFFSET_ + the name with every character outside
// [A-Za-z0-9_] as '_' ("conv1#2" -> TETRIS_OFFSET_conv1_2), a suffix _N where two collide.
std::string plan_to_c_header(const Problem& problem, const std::vector<Offset>& offsets, const PlanFile& plan);

// {"arena_bytes", "alignment", "buffers": [{"name", "offset", "size"}...]} in buffer order.
std::string plan_to_arena_json(const Problem& problem, const std::vector<Offset>& offsets, const PlanFile& plan);

}  // namespace tetris::memmgr
