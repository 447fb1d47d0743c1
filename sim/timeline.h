// A run's timeline as Chrome / Perfetto trace-event JSON: one process per core, one track per
// unit (load, compute, store, sync; a transfer unit gets one per request in flight), one slice per instruction, named by its layer; it opens in
// ui.perfetto.dev and chrome://tracing.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/trace.h"
#include "sim/simulator.h"

namespace tetris::sim {

// For each event of one core, the track ("lane") of its unit it is drawn on: the lowest lane
// free at its start, so a unit with several requests in flight spreads them over lanes that
// never overlap; units that run one thing at a time stay in lane 0.
std::vector<std::uint32_t> timeline_lanes(std::span<const TimelineEvent> events);

// `run` must hold a timeline (Simulator::run with record_timeline). Times are microseconds at
// the run's clock (cycles / clock MHz), as the format asks; each slice's args carry its cycles.
std::string timeline_to_trace_events(const RunResult& run, const Program& program);

}  // namespace tetris::sim
