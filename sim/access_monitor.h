// The plan checker: replays every load and store against shadow memory in simulated-time order.
//
// A store claims its address range for its tensor from the cycle it is issued (the earliest it
// can change memory); a load is checked when it completes (the latest it can still be reading):
// every byte it read must still hold its tensor. Anything else is a conflict, reported with the
// load's cycle, core, instruction and trace line, the tensor read, the tensor (and store) that
// overwrote it and the address range. Bytes nobody wrote are reported as uninitialised reads;
// graph inputs and weights count as written at cycle 0. Accesses in the same cycle are replayed
// loads first (a load ending at cycle t and a store issued at t do not overlap), then by core and
// instruction, so the verdict never depends on the order the kernel ran processes in.
//
// The same replay feeds the LivenessTracker for the peak live bytes.
#pragma once

#include <cstdint>
#include <vector>

#include "common/trace.h"
#include "sim/address_map.h"
#include "sim/liveness_tracker.h"
#include "sim/shadow_memory.h"
#include "sim/sim_types.h"

namespace tetris::sim {

struct Access {
  Cycles at;     // store: issue; load: completion
  Cycles start;  // issue (equal to `at` for a store)
  CoreId core;
  std::uint32_t index;  // in the core's stream
  std::uint32_t line;
  TensorId tensor;
  TensorRange range;
  bool write;
};

struct Conflict {
  enum class Kind : std::uint8_t { overwritten, uninitialised };
  Kind kind = Kind::overwritten;
  Cycles cycle = 0;  // when the load completed
  CoreId core = 0;
  std::uint32_t index = 0;
  std::uint32_t line = 0;
  TensorId tensor = 0;     // the tensor the load expected
  Writer writer;           // what the bytes held instead (overwritten only)
  std::uint64_t address_begin = 0, address_end = 0;  // hull of the affected bytes
  std::uint64_t bytes = 0;                          // affected bytes
};

class AccessMonitor {
 public:
  static constexpr std::size_t kMaxConflictsKept = 1000;

  AccessMonitor(const Program& program, const AddressMap& addresses);

  // Accesses must be recorded in nondecreasing `at` (the kernel's time).
  void record(const Access& access);
  // Replays what is left; the run ended at `end`.
  void finish(Cycles end);

  // The first kMaxConflictsKept conflicts, one per (load, overwriting store) pair.
  const std::vector<Conflict>& conflicts() const { return conflicts_; }
  std::uint64_t conflict_count() const { return conflict_count_; }
  std::uint64_t uninitialised_count() const { return uninitialised_count_; }
  std::uint64_t peak_live_bytes() const { return peak_live_bytes_; }

 private:
  void flush();
  void replay(const Access& access);

  const AddressMap& addresses_;
  ShadowMemory shadow_;
  LivenessTracker liveness_;
  std::vector<Access> pending_;  // all at the same or ascending cycles, not yet replayed
  std::vector<Conflict> found_;  // scratch: conflicts of the access being replayed
  std::vector<Conflict> conflicts_;
  std::uint64_t conflict_count_ = 0;
  std::uint64_t uninitialised_count_ = 0;
  std::uint64_t peak_live_bytes_ = 0;
};

}  // namespace tetris::sim
