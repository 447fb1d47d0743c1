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

}  // namespace tetris::sim
