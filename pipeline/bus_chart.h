// The memory bus over a run, drawn: the share of cycles in which it moved a beat, per slice of
// the run, as an SVG line chart for report.html (from the simulator's busy intervals).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tetris::pipeline {

// `busy`: the bus's busy intervals [begin, end) in cycles, ascending and disjoint; `cycles`: the
// run's length. `slices` bars of equal length, each the busy share of its cycles.
std::string bus_busy_svg(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& busy, std::uint64_t cycles,
                         const std::string& title, int slices = 200);

// The same shares as numbers (for tests): slice i covers [i, i + 1) * cycles / slices.
std::vector<double> bus_busy_shares(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& busy,
                                    std::uint64_t cycles, int slices);

}  // namespace tetris::pipeline
