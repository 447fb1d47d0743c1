// Conversions between cycles and SystemC time. The simulator sets the time resolution to 1 ns
// and counts one cycle per nanosecond, so a time's value is its cycle count.
#pragma once

#include <systemc>

#include "sim/sim_types.h"

namespace tetris::sim {

inline Cycles now_cycles() { return sc_core::sc_time_stamp().value(); }
inline sc_core::sc_time cycles_to_time(Cycles cycles) { return sc_core::sc_time::from_value(cycles); }

}  // namespace tetris::sim
