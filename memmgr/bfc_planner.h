// TensorFlow's BFC allocator (tensorflow/core/common_runtime/bfc_allocator.cc, now
// xla/tsl/framework/bfc_allocator.cc), simulated on the problem's alloc/free event sequence.
//
// Each buffer is allocated at the start of its lifespan and freed at its end; at one time
// frees come before allocations (lifespans are half-open), then buffer index order. Requests
// round up to 256 bytes (and to the buffer's alignment); free chunks sit in 21 power-of-two bins,
// each ordered by (size, address); allocation takes the smallest free chunk that fits (lowest
// address on ties), searching from the request's bin upward, and splits it when it is at least
// twice the request (the low part is handed out); a free merges with free neighbours. One region
// as large as the address space (TF's single-region case); footprint = highest address ever
// handed out. Only a schedule that matches the conflicts is safe: the planner is meant for
// interval problems, and the validator checks any other use.
#pragma once

#include <array>
#include <map>
#include <set>

#include "memmgr/planner.h"

namespace tetris::memmgr {

PlanResult plan_bfc(const Problem& problem, const PlannerOptions& options);

// The allocator itself, exposed for tests: offsets are addresses in one region.
class BfcAllocator {
 public:
  static constexpr Offset kMinAllocationSize = 256;
  static constexpr int kNumBins = 21;

  explicit BfcAllocator(Offset region_bytes);
  Offset allocate(Offset bytes, Offset alignment = 1);  // returns the address
  void free(Offset address);
  Offset high_water() const { return high_water_; }
  static int bin_for_size(Offset bytes);

 private:
  struct Chunk {
    Offset address, size;
    bool in_use;
  };
  void insert_free(Offset address);
  void erase_free(Offset address);

  std::map<Offset, Chunk> chunks_;  // by address: the region's chunks, adjacent, no holes
  std::array<std::set<std::pair<Offset, Offset>>, kNumBins> bins_;  // (size, address) of free chunks
  Offset high_water_ = 0;
};

}  // namespace tetris::memmgr
