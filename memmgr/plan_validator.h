// The one validator every plan passes through, independent of every planner: conflicting
// pieces get disjoint addresses, bases are aligned, the peak fits. It returns a reason, not a bool.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "memmgr/problem.h"

namespace tetris::memmgr {

enum class ViolationKind { wrong_buffer_count, misaligned, out_of_range, overlap, over_capacity };

struct PlanViolation {
  ViolationKind kind;
  BufferId buffer_a = 0;
  BufferId buffer_b = 0;  // overlap only
  Offset a_begin = 0, a_end = 0;  // address ranges involved: the pieces for overlap, the buffer otherwise
  Offset b_begin = 0, b_end = 0;
  Offset peak = 0;      // over_capacity: the plan's peak
  Offset capacity = 0;  // over_capacity

  std::string describe(const Problem& problem) const;
};

// Highest address used: max over buffers of base + size.
Offset plan_peak(const Problem& problem, std::span<const Offset> offsets);

// `capacity` overrides the problem's own when given.
std::optional<PlanViolation> validate_plan(const Problem& problem, std::span<const Offset> offsets,
                                           std::optional<Offset> capacity = std::nullopt);

}  // namespace tetris::memmgr
