// The peak live bytes observed in one run: a lower bound for the footprint of any safe plan.
//
// It matches the instruction-level bound of memmgr's liveness analysis, measured in cycles over
// this run's interleaving instead of positions: a byte of an input, activation or output tensor
// is live from its first write (graph inputs: cycle 0; never written: its first read) until the
// end of its last access (graph outputs: past the end of the run). Two bytes live at the same
// cycle hold data still needed then, so no plan safe for this run can give them one address.
// Bytes are tracked as intervals per tensor (2-D accesses row by row).
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "common/trace.h"
#include "sim/sim_types.h"

namespace tetris::sim {

class LivenessTracker {
 public:
  explicit LivenessTracker(const Program& program);

  // A store of tensor bytes [begin, end) issued at `at`.
  void write(TensorId tensor, std::uint64_t begin, std::uint64_t end, Cycles at);
  // A load of tensor bytes [begin, end) issued at `start` and completed at `at`.
  void read(TensorId tensor, std::uint64_t begin, std::uint64_t end, Cycles start, Cycles at);
  // Peak live bytes of a run that ended at cycle `end`.
  std::uint64_t peak_live_bytes(Cycles end) const;

 private:
  struct Segment {
    std::uint64_t end;
    Cycles first_write = kNever;
    Cycles first_access = kNever;
    Cycles last_access = 0;  // one past the last cycle of an access
  };
  using Segments = std::map<std::uint64_t, Segment>;

  template <typename Update>
  void update(TensorId tensor, std::uint64_t begin, std::uint64_t end, Update&& update);

  const Program& program_;
  std::vector<Segments> tensors_;  // per tensor (weights: empty, never tracked)
};

}  // namespace tetris::sim
