// The plan checker: replays every load and store against shadow memory in simulated-time order.
//
// A store claims its address range for its tensor from the cycle it is issued (the earliest it
// can change memory); a load is checked when it completes (the latest it can still be reading):
// every byte it read must still hold its tensor. Anything else is a conflict, reported with the
// load's cycle, core, instruction and trace line, the tensor read, the tensor (and store) that
// overwrote it and the address range. Bytes nobody wrote are reported as uninitialised reads;
// graph inputs and weights count as written at cycle 0. Accesses in the same cycle are replayed
// loads first (a load ending at cycle t and a store issued at t do not overlap), then by core and
// instruction, so the verdict never depends on the order the kernel ran processes in. Accesses
// may be recorded ahead of time (a load whose completion the memory already knows); each is
// replayed once the kernel's time has passed it.
//
// The same replay feeds the LivenessTracker for the peak live bytes.
#pragma once

#include <cstdint>
#include <queue>
#include <vector>

#include "common/trace.h"
#include "sim/address_grid.h"
#include "sim/liveness_tracker.h"
#include "sim/shadow_memory.h"
#include "sim/sim_types.h"

namespace tetris::sim {

// A load or store instruction's access.
struct Access {
  Cycles at;     // store: issue; load: completion
  Cycles start;  // issue (equal to `at` for a store)
  CoreId core;
  std::uint32_t index;  // in the core's stream
  TensorId tensor;
  std::uint32_t first_span, end_span;  // the AddressGrid spans it covers
  bool write;
};

// The store (or the program's start) that put a tensor's bytes in place.
struct Writer {
  TensorId tensor = kNoTensor;
  CoreId core = 0;
  std::uint32_t index = 0;  // in the core's stream
  std::uint32_t line = 0;
  Cycles at = 0;            // when the store was issued
  bool preloaded = false;   // there before the program started (graph inputs, weights)
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

  AccessMonitor(const Program& program, const AddressGrid& grid);

  // No access recorded from now on has `at` < `now` (the kernel's time, or later when the memory
  // knows more); `access.at` >= now.
  void record(const Access& access, Cycles now) {
    replay_before(now);
    pending_.push(access);
  }
  // Replays what is recorded before `now`, under the same promise.
  void replay_before(Cycles now) {
    for (; !pending_.empty() && pending_.top().at < now; pending_.pop()) replay(pending_.top());
  }
  // Replays what is left; the run ended at `end`.
  void finish(Cycles end);

  // The first kMaxConflictsKept conflicts, one per (load, overwriting store) pair.
  const std::vector<Conflict>& conflicts() const { return conflicts_; }
  std::uint64_t conflict_count() const { return conflict_count_; }
  std::uint64_t uninitialised_count() const { return uninitialised_count_; }
  std::uint64_t peak_live_bytes() const { return peak_live_bytes_; }

 private:
  struct Later {
    bool operator()(const Access& a, const Access& b) const;
  };
  void replay(const Access& access);
  Writer writer_of(const Owner& owner) const;

  const Program& program_;
  const AddressGrid& grid_;
  ShadowMemory shadow_;
  LivenessTracker liveness_;
  std::vector<std::uint32_t> first_id_;  // per core: global id of its first instruction
  std::vector<Cycles> store_at_;         // per global id of a replayed store: when it was issued
  std::priority_queue<Access, std::vector<Access>, Later> pending_;  // not yet replayed
  std::vector<std::pair<Owner, Conflict>> found_;  // scratch: conflicts of the access being replayed
  std::vector<Conflict> conflicts_;
  std::uint64_t conflict_count_ = 0;
  std::uint64_t uninitialised_count_ = 0;
  std::uint64_t peak_live_bytes_ = 0;
};

}  // namespace tetris::sim
