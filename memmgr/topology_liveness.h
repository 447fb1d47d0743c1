// Topology-level liveness, the baseline TensorFlow and TFLite use: one piece per tensor, alive
// from the first layer that touches it to the last, in layer order. Weights are not planned.
#pragma once

#include <string_view>

#include "common/trace.h"
#include "memmgr/problem.h"

namespace tetris::memmgr {

// Buffers are the input, activation and output tensors, aligned to `alignment`. A tensor lives
// over the layer steps [first, last + 1): first = its producer (0 for graph inputs), last = the
// last layer that loads it (the last layer of all for graph outputs). Under barrier sync,
// consecutive layers with no barrier between them (a cascade's) are one step, at the first of
// them; so are layers whose instructions interleave in a core's stream. Lower bound: the maximum
// over layers of the live bytes. Throws InputError when the trace's instructions carry no layers.
Problem topology_liveness(const Program& program, std::uint64_t alignment, std::string_view origin);

}  // namespace tetris::memmgr
