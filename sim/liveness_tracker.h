// The peak live bytes observed in one run: a lower bound for the footprint of any safe plan.
//
// It matches the instruction-level bound of memmgr's liveness analysis, measured in cycles over
// this run's interleaving instead of positions: a byte of an input, activation or output tensor
// is live from its first write (graph inputs: cycle 0; never written: its first read) until the
// end of its last access (graph outputs: past the end of the run). Two bytes live at the same
// cycle hold data still needed then, so no plan safe for this run can give them one address.
// Bytes are tracked per region (AddressGrid) of each tensor, so 2-D accesses count row by row.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "common/trace.h"
#include "sim/address_grid.h"
#include "sim/sim_types.h"

namespace tetris::sim {

class LivenessTracker {
 public:
  LivenessTracker(const Program& program, const AddressGrid& grid);

  // A store of tensor `tensor` covering grid regions [first, last), issued at `at`.
  void write(TensorId tensor, std::uint32_t first, std::uint32_t last, Cycles at);
  // A load covering regions [first, last), issued at `start` and completed at `at`.
  void read(TensorId tensor, std::uint32_t first, std::uint32_t last, Cycles start, Cycles at);
  // Peak live bytes of a run that ended at cycle `end`.
  std::uint64_t peak_live_bytes(Cycles end) const;
  // A hint that region `region` of `tensor` is about to be read or written.
  void prefetch(TensorId tensor, std::uint32_t region) const {
    const TensorLives& t = tensors_[tensor];
    if (t.tracked) __builtin_prefetch(t.lives.data() + (region - t.first_region), 1);
  }

 private:
  // 16 bytes, so that more of the per-region array stays in cache: the life starts at `from`,
  // the first write if kWritten is set, else the first access so far (kNone: none yet).
  struct Life {
    static constexpr Cycles kWritten = Cycles{1} << 63;
    static constexpr Cycles kNone = kWritten - 1;
    Cycles from = kNone;
    Cycles last_access = 0;  // one past the last cycle of an access
  };
  struct TensorLives {
    std::uint32_t first_region = 0;  // of the grid
    bool tracked = false;             // inputs, activations and outputs
    bool output = false;
    std::vector<Life> lives;          // per region of the tensor's address range
  };

  const AddressGrid& grid_;
  std::vector<TensorLives> tensors_;
};

// Inline: the checker calls these once per row of every access.
inline void LivenessTracker::write(TensorId tensor, std::uint32_t first, std::uint32_t last, Cycles at) {
  TensorLives& t = tensors_[tensor];
  if (!t.tracked) return;
  for (std::uint32_t s = first - t.first_region, e = last - t.first_region; s < e; ++s) {
    Life& life = t.lives[s];
    // The first write replaces an earlier read's start: a written life starts at its first write.
    life.from = (life.from & Life::kWritten) ? std::min(life.from, at | Life::kWritten) : at | Life::kWritten;
    life.last_access = std::max(life.last_access, at + 1);
  }
}

inline void LivenessTracker::read(TensorId tensor, std::uint32_t first, std::uint32_t last, Cycles start, Cycles at) {
  TensorLives& t = tensors_[tensor];
  if (!t.tracked) return;
  const Cycles until = std::max(at, start + 1);
  for (std::uint32_t s = first - t.first_region, e = last - t.first_region; s < e; ++s) {
    Life& life = t.lives[s];
    if (!(life.from & Life::kWritten)) life.from = std::min(life.from, start);
    life.last_access = std::max(life.last_access, until);
  }
}

}  // namespace tetris::sim
