// A run's timeline as Chrome / Perfetto trace-event JSON: one process per core, one track per
// unit (load, compute, store, sync), one slice per instruction, named by its layer; it opens in
// ui.perfetto.dev and chrome://tracing.
#pragma once

#include <string>

#include "common/trace.h"
#include "sim/simulator.h"

namespace tetris::sim {

// `run` must hold a timeline (Simulator::run with record_timeline). Times are microseconds at
// the run's clock (cycles / clock MHz), as the format asks; each slice's args carry its cycles.
std::string timeline_to_trace_events(const RunResult& run, const Program& program);

}  // namespace tetris::sim
