// The decisions of the sync unit: barriers and point-to-point semaphores, with their latencies.
//
// A barrier releases every participant `barrier_latency` cycles after the last one arrives.
// A signal becomes visible to the waiting core `semaphore_latency` cycles after it is executed;
// the k-th wait on a semaphore completes once the k-th signal is visible (never before the wait
// itself executes). A signal never blocks the signalling core. Cores run at their own times, so
// calls need not come in time order: every decision is taken from the times alone.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/trace.h"
#include "sim/sim_types.h"
#include "sim/timing_model.h"

namespace tetris::sim {

class SyncUnit {
 public:
  struct Grant {
    CoreId core;
    Cycles at;  // the cycle the core may continue
  };

  SyncUnit(const Program& program, const TimingModel& timing);

  // `core` arrives at barrier `id`. When it is the last participant, returns the release for every
  // participant (the caller included); otherwise nothing, and the core waits.
  std::vector<Grant> arrive(BarrierId id, CoreId core, Cycles now);
  // Returns the grant for a core already waiting on `semaphore`, if this signal satisfies it.
  std::optional<Grant> signal(SemaphoreId semaphore, Cycles now);
  // The cycle the wait completes, or nothing when the core must wait for a signal (it is then
  // granted by a later signal()).
  std::optional<Cycles> wait(SemaphoreId semaphore, CoreId core, Cycles now);

  // For deadlock reports: what a core blocked at this barrier or semaphore is waiting for.
  std::string describe_barrier(BarrierId id) const;
  std::string describe_semaphore(SemaphoreId semaphore) const;

 private:
  struct BarrierState {
    std::vector<CoreId> participants;
    std::vector<CoreId> arrived;
    Cycles last_arrival = 0;
  };
  struct SemaphoreState {
    CoreId signaller = 0;
    std::deque<Cycles> visible;  // visibility times of signals not yet consumed
    std::uint64_t signals = 0;
    std::uint64_t waits = 0;     // completed or pending
    std::optional<CoreId> waiting;
    Cycles waiting_since = 0;
  };

  Cycles barrier_latency_;
  Cycles semaphore_latency_;
  std::map<BarrierId, BarrierState> barriers_;
  std::map<SemaphoreId, SemaphoreState> semaphores_;
};

}  // namespace tetris::sim
