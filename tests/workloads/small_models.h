// Small hand-written models the lowering stage tests share.
#pragma once

namespace tetris::workloads::fixtures {

// Two 3x3 convolutions (padding 1) on a 16 x 32 x 32 input with a ReLU between them, which
// fusion folds into the first: two steps, and under a rows partition each band reads one halo
// row from each neighbour.
inline constexpr const char* kTwoConvs = R"(name: two
input: {shape: [16, 32, 32]}
layers:
  - {name: a, op: conv, out: 16, kernel: 3, pad: 1}
  - {name: r, op: relu}
  - {name: b, op: conv, out: 8, kernel: 3, pad: 1}
)";

}  // namespace tetris::workloads::fixtures
