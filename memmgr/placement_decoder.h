// The Tetris decoder: turns an order of buffers into a plan by dropping each, in turn, to the
// lowest aligned base where none of its pieces overlaps a conflicting piece already placed.
//
// What is guaranteed: for one-piece buffers (MiniMalloc's case) some order reaches the optimum.
// Drop the buffers of an optimal plan in order of their optimal bases; by induction each placed
// buffer ends at or below its optimal base, so each next buffer's optimal base is still free and
// it lands there or lower. For multi-piece buffers that argument fails: a buffer based below
// another can have a piece above it, so the lowest base for one buffer can block a better
// packing of the next; there the order search is a heuristic with no optimality guarantee.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "memmgr/collision_table.h"
#include "memmgr/problem.h"

namespace tetris::memmgr {

// Collisions are precomputed per pair of conflicting buffers (CollisionTable), so a decode visits
// each placed conflicting buffer's forbidden displacement intervals, not every piece pair.
class PlacementDecoder {
 public:
  explicit PlacementDecoder(const Problem& problem);
  // Shares a table already built for `problem` (one per search, not one per thread).
  PlacementDecoder(const Problem& problem, std::shared_ptr<const CollisionTable> collisions);

  // Places order[i] for i in [reuse_prefix, n), given that `offsets` already holds the bases of
  // order[0..reuse_prefix) from an earlier decode of an order with that prefix. Returns the peak.
  // No allocation after the first call: the hot path of the genetic search.
  // Past `deadline` (checked every kDeadlineStride buffers) the rest are stacked above the peak,
  // which is quick and safe but no packing; interrupted() then says so. A decode of 10^5 buffers
  // takes about 0.2 s, so without this a time limit below that was overrun by a whole decode.
  Offset decode(std::span<const BufferId> order, std::span<Offset> offsets, std::size_t reuse_prefix = 0,
                std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt);
  bool interrupted() const { return interrupted_; }
  static constexpr std::size_t kDeadlineStride = 256;

  // An order built while placing: each step drops the unplaced buffer whose lowest base is the
  // lowest of all (ties: the larger, then the lower id), so the plan grows from the bottom up the
  // way the pieces settle, not in an order fixed beforehand. Fills `offsets` with its plan.
  // Bases only rise as buffers land, so a heap of last-known bases re-evaluated lazily finds each
  // next buffer exactly. Gives up (nullopt) past `max_work` conflicting pairs visited or past the
  // deadline: a dense problem re-evaluates many buffers per step.
  std::optional<std::vector<BufferId>> lowest_first_order(
      std::span<Offset> offsets, std::uint64_t max_work,
      std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt);

  // Conflicting buffer pairs visited by every decode so far: what a decode costs, on any machine.
  std::uint64_t work() const { return work_; }

 private:
  Offset lowest_base(BufferId buffer, std::span<const Offset> offsets);
  void next_stamp();

  const Problem& problem_;
  std::shared_ptr<const CollisionTable> collisions_;
  std::vector<std::uint32_t> placed_stamp_;  // == stamp_ when placed in the current decode
  std::uint32_t stamp_ = 0;
  std::uint64_t work_ = 0;
  bool interrupted_ = false;
  std::vector<std::pair<std::int64_t, std::int64_t>> forbidden_;  // [lo, hi) bases that collide
  std::vector<std::pair<std::int64_t, std::int64_t>> sorted_;     // forbidden_ by bucket of lo
  std::vector<std::size_t> bucket_start_;
};

}  // namespace tetris::memmgr
