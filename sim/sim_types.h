// Small types shared by the simulator's classes.
#pragma once

#include <cstdint>
#include <limits>

#include "common/trace.h"

namespace tetris::sim {

// Simulated time counts core clock cycles; one cycle is one nanosecond of SystemC time.
using Cycles = std::uint64_t;

// The two units of a core that move data through the shared memory.
enum class TransferKind : std::uint8_t { load, store };

inline constexpr TensorId kNoTensor = std::numeric_limits<TensorId>::max();
inline constexpr Cycles kNever = std::numeric_limits<Cycles>::max();

// One instruction on one unit of a core, from its start to its completion: what a timeline
// viewer draws (sim/timeline.h). A sync event lasts from arrival to release.
struct TimelineEvent {
  enum class Unit : std::uint8_t { load, compute, store, sync };
  Unit unit;
  std::uint32_t instruction;  // in the core's stream
  std::uint32_t layer;        // CoreProgram::kNoLayer: none
  Cycles start, end;
};

}  // namespace tetris::sim
