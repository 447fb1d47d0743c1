// The footprint-cycles trade-off of the schedules `--memory-budget` tried, drawn: one point per
// schedule (its Tetris plan against its cycles), the Pareto front joined, the budget and the chosen point marked.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pipeline/run_report.h"

namespace tetris::pipeline {

// The schedules that no other beats on both plan bytes and cycles (ties: the first), in the
// order given.
std::vector<std::size_t> pareto_front(const std::vector<ScheduleTried>& schedules);

// An SVG scatter chart for report.html: x cycles, y plan (MiB), a dashed line at `budget` bytes.
std::string schedules_svg(const std::vector<ScheduleTried>& schedules, std::uint64_t budget);

}  // namespace tetris::pipeline
