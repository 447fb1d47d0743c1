// Per-layer lower bounds on cycles. A layer's simulated cycles (the span from the first start of
// one of its loads, computes or stores on any core to the last completion) can never be below
//   max( MACs / (cores x MACs per cycle) + element ops / (cores x element ops per cycle),
//        bytes moved / bandwidth )
// because each core's compute unit does one instruction at a time at most at its peak rate, and
// the memory bus moves at most bandwidth bytes per cycle for all cores together. A layer below
// its roofline is a simulator bug.
// The compulsory roofline puts the bytes the layer must move at least in place of the bytes its
// trace moves: every distinct byte it reads once and every distinct byte it writes once. The gap
// between the two rooflines is what the lowering's reloads (weights per core, halos, input per
// channel chunk) cost; a trace-traffic roofline alone hides it.
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
  std::uint64_t compulsory_bytes = 0;  // distinct bytes loaded + distinct bytes stored
  // A layer without loads, computes or stores (a view) has no roofline.
  bool has_work() const { return macs || element_ops || bytes; }
};

// Per layer of the program (instructions outside any layer are not counted). `multicasts`: the
// memory reads a multicast group's range once (memory.multicast: on), so it counts once.
std::vector<LayerWork> layer_work(const Program& program, bool multicasts = false);

double roofline_cycles(const LayerWork& work, const MachineConfig& config);
// The same with compulsory_bytes in place of bytes.
double compulsory_roofline_cycles(const LayerWork& work, const MachineConfig& config);

}  // namespace tetris::sim
