// Arbitration of the shared memory's data bus between all cores' requests.
//
// Policy: round robin over data beats. The bus moves one beat (bandwidth_bytes_per_cycle bytes)
// per cycle. A request reaches the memory `latency` cycles after it is issued (its arrival);
// from then on it competes for beats with every other request that has arrived and is not done:
// the requests take one beat each in turn, in a fixed ring order. A newly arrived request joins
// the ring at the end of the current round; requests arriving in the same cycle join in order of
// their key (core, then unit), so the outcome never depends on the order the kernel delivered
// them. A request is complete at the end of its last beat. N requests streaming together thus
// each get 1/N of the bandwidth, and a lone request of B beats issued at t completes at
// t + latency + B.
//
// Nothing here ticks: the arbiter computes in O(active requests) when the next request will
// complete, and `advance` jumps straight there.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "sim/sim_types.h"

namespace tetris::sim {

class MemoryArbiter {
 public:
  struct Completion {
    std::uint64_t tag;
    Cycles at;  // end of the last beat
  };

  // A request identified by `tag` arrives at cycle `arrival` (>= now()) needing `beats` beats.
  // Requests arriving in the same cycle are ordered by `key` (unique among requests in flight).
  void add(std::uint64_t tag, std::uint64_t key, Cycles arrival, Cycles beats);

  // Serves the beats of the cycles before `to` and appends the requests completed at or before
  // it, in order. Requests arriving at `to` itself are not admitted yet, so one may still be
  // added for that cycle.
  void advance(Cycles to, std::vector<Completion>& done);

  // The next cycle at which something happens (an arrival or a completion), if anything is left.
  std::optional<Cycles> next_event() const;
  // No request completes before this cycle (arrivals only delay the requests in the ring, and
  // one arriving at a with b beats ends at a + b at the earliest); nothing if nothing is left.
  std::optional<Cycles> completion_bound() const;

  Cycles now() const { return now_; }
  bool idle() const { return size() == 0 && arrivals_.empty(); }
  // Cycles in which the bus moved a beat.
  Cycles busy_cycles() const { return busy_cycles_; }
  // From now on, keep the bus's busy intervals [begin, end), adjacent ones merged (for a
  // timeline); off by default.
  void record_busy() { recording_ = true; }
  const std::vector<std::pair<Cycles, Cycles>>& busy_intervals() const { return busy_intervals_; }

 private:
  struct Arrival {
    Cycles at;
    std::uint64_t key;
    std::uint64_t tag;
    Cycles beats;
    bool operator>(const Arrival& o) const { return at != o.at ? at > o.at : key > o.key; }
  };

  std::size_t size() const { return targets_.size(); }
  void insert(std::uint64_t tag, Cycles beats);  // at the end of the current round
  void admit(Cycles to);
  // The cycle at which the first request to complete does.
  Cycles earliest_completion() const;
  void find_first() const;
  void serve(Cycles cycles);

  // The ring, in a fixed order: the bus serves index cursor_, then cursor_ + 1, ..., wrapping to
  // 0; one pass is a round. Nothing moves while beats are served: only the cursor does. Request
  // i has targets_[i] - credited_ beats left, one fewer if i < cursor_ (it had its beat of this
  // round); credited_ counts the rounds. A new request is inserted just before the cursor (it
  // is served after everyone in the ring had one more beat).
  //
  // Request i completes at now_ + (targets_[i] - credited_ - 1) * size() + i - cursor_ + 1 in
  // either case, so the first to complete is the least (target, index): it stays the first while
  // beats are served, an arrival takes over only by that order, and after a completion it is
  // found again.
  // Targets apart from tags: finding the first to complete scans the targets alone.
  std::vector<Cycles> targets_;
  std::vector<std::uint64_t> tags_;
  std::size_t cursor_ = 0;  // < size(), or 0 when the ring is empty
  Cycles credited_ = 0;
  mutable std::size_t first_ = 0;  // index of the first to complete, if first_known_
  mutable bool first_known_ = false;

  Cycles now_ = 0;  // every beat before this cycle has been handed out
  std::vector<Arrival> arrivals_;  // a min-heap on (arrival, key), via std::push_heap
  Cycles busy_cycles_ = 0;
  bool recording_ = false;
  std::vector<std::pair<Cycles, Cycles>> busy_intervals_;
};

}  // namespace tetris::sim
