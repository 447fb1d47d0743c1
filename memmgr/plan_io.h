// Plans of a Problem as plan files (common/plan_file.h): made from a planner's result, and read
// back into the problem's buffer order.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/plan_file.h"
#include "memmgr/planner.h"
#include "memmgr/problem.h"

namespace tetris::memmgr {

PlanFile make_plan_file(const Problem& problem, const PlanResult& result, std::uint64_t seed);

// The offsets of `plan` in the order of `problem`'s buffers; every buffer must be named exactly
// once and no other name may appear (InputError naming the file otherwise).
std::vector<Offset> offsets_for(const Problem& problem, const PlanFile& plan, std::string_view file_label);

}  // namespace tetris::memmgr
