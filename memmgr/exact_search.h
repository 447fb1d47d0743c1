// The bounded exact phase of the Tetris planner, for interval problems (one piece per buffer,
// conflicts = overlapping lifespans): "does every buffer fit under this capacity?", answered by a
// depth-first branch and bound over placement orders, after MiniMalloc (Moffitt, ASPLOS 2023).
//
// Only canonical placements are searched: buffers are placed in non-decreasing (offset, rank)
// order, each at the lowest offset its time sections allow (their floor: the top of the placed
// buffers live there). Pruning: a candidate is skipped when some unplaced buffer would fit wholly
// below it (that buffer comes first in canonical order); a branch dies when a section's floor plus
// the sizes still to place in it exceed the capacity. The search stops at a budget of nodes and
// of steps, so it answers yes (with a plan), no (proved), or unknown.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "memmgr/problem.h"

namespace tetris::memmgr {

enum class FitAnswer { fits, does_not_fit, unknown };

struct ExactSearchResult {
  FitAnswer answer = FitAnswer::unknown;
  std::vector<Offset> offsets;   // when it fits
  std::vector<BufferId> order;   // the placement order that produced them
  std::uint64_t nodes = 0;
  std::uint64_t steps = 0;
};

// What a search may spend (no nodes: it searches nothing). A node's cost grows with the buffers
// and time sections of its part (it scans them to choose, check and raise floors), so on a
// problem of long lifespans a node budget alone bounds nothing a user would wait for: on a
// 494-buffer topology-level problem a node took 34,000 steps and 70 us, a probe's 988,000 nodes
// 70 s. Steps count those scans: 2-4.5 ns each on the reference machine.
struct ExactBudget {
  std::uint64_t nodes = 0;
  std::uint64_t steps = ~std::uint64_t{0};  // unbounded
};

using Deadline = std::chrono::steady_clock::time_point;

// How buffers at the same offset are tried, MiniMalloc's preorders: descending by W (lifespan
// width), A (area = size x width) and T (the most bytes left to place in a section it crosses),
// in the order of the letters; buffer index breaks ties.
enum class Preorder { wat, taw, twa };

// `problem` must be an interval problem. The search spends at most `budget` and stops at
// `deadline` (answering unknown; only then does the answer depend on machine speed).
ExactSearchResult fit_under_capacity(const Problem& problem, Offset capacity, Preorder preorder,
                                     ExactBudget budget, Deadline deadline = Deadline::max());

// fit_under_capacity with each preorder in turn and doubling node limits, until one answers
// or `budget` is spent in all.
ExactSearchResult search_fit(const Problem& problem, Offset capacity, ExactBudget budget,
                             Deadline deadline = Deadline::max());

}  // namespace tetris::memmgr
