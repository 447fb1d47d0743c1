// Per-layer lower bounds on cycles. A layer's simulated cycles (the span from the first start of
// one of its loads, computes or stores on any core to the last completion) can never be below
//   max( MACs / (cores x MACs per cycle) + element ops / (cores x element ops per cycle),
//        bytes moved / bandwidth )
// because each core's compute unit does one instruction at a time at most at its peak rate, and
// the memory bus moves at most bandwidth bytes per cycle for all cores together. A layer below
// its roofline is a simulator bug.
#pragma once

#include <cstdint>
#include <vector>

#include "common/machine_config.h"
#include "common/trace.h"

namespace tetris::sim {

struct LayerWork {
  std::uint64_t macs = 0;         // conv and fc work
  std::uint64_t element_ops = 0;  // every other compute's work
  std::uint64_t bytes = 0;        // loaded and stored
};

// Per layer of the program (instructions outside any layer are not counted).
std::vector<LayerWork> layer_work(const Program& program);

double roofline_cycles(const LayerWork& work, const MachineConfig& config);

}  // namespace tetris::sim
