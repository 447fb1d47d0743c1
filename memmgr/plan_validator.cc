#include "memmgr/plan_validator.h"

#include <fmt/format.h>

namespace tetris::memmgr {

Offset plan_peak(const Problem& problem, std::span<const Offset> offsets) {
  Offset peak = 0;
  for (BufferId b = 0; b < problem.buffers().size(); ++b)
    peak = std::max(peak, offsets[b] + problem.buffers()[b].size);
  return peak;
}

std::optional<PlanViolation> validate_plan(const Problem& problem, std::span<const Offset> offsets,
                                           std::optional<Offset> capacity) {
  const auto buffers = problem.buffers();
  if (offsets.size() != buffers.size())
    return PlanViolation{.kind = ViolationKind::wrong_buffer_count, .a_end = offsets.size(), .b_end = buffers.size()};
  constexpr Offset kLimit = Offset{1} << 62;  // keeps base + size far from wrapping
  for (BufferId b = 0; b < buffers.size(); ++b) {
    if (offsets[b] > kLimit)
      return PlanViolation{.kind = ViolationKind::out_of_range, .buffer_a = b, .a_begin = offsets[b],
                           .a_end = kLimit};
    if (offsets[b] % buffers[b].alignment != 0)
      return PlanViolation{.kind = ViolationKind::misaligned, .buffer_a = b, .a_begin = offsets[b],
                           .a_end = offsets[b] + buffers[b].size};
  }
  const auto pieces = problem.pieces();
  for (PieceId p = 0; p < pieces.size(); ++p) {
    const Offset p_begin = offsets[pieces[p].buffer] + pieces[p].offset, p_end = p_begin + pieces[p].size;
    for (const PieceRange& run : problem.conflict_runs(p))
    for (PieceId q = std::max(run.begin, p + 1); q < run.end; ++q) {
      const Offset q_begin = offsets[pieces[q].buffer] + pieces[q].offset, q_end = q_begin + pieces[q].size;
      if (p_begin < q_end && q_begin < p_end)
        return PlanViolation{.kind = ViolationKind::overlap, .buffer_a = pieces[p].buffer,
                             .buffer_b = pieces[q].buffer, .a_begin = p_begin, .a_end = p_end,
                             .b_begin = q_begin, .b_end = q_end};
    }
  }
  const auto limit = capacity ? capacity : problem.capacity();
  const Offset peak = plan_peak(problem, offsets);
  if (limit && peak > *limit)
    return PlanViolation{.kind = ViolationKind::over_capacity, .peak = peak, .capacity = *limit};
  return std::nullopt;
}

std::string PlanViolation::describe(const Problem& problem) const {
  const auto name = [&](BufferId b) { return b < problem.buffers().size() ? problem.buffers()[b].name : "?"; };
  switch (kind) {
    case ViolationKind::wrong_buffer_count:
      return fmt::format("the plan has {} offsets for {} buffers", a_end, b_end);
    case ViolationKind::misaligned:
      return fmt::format("buffer '{}' at {} is not a multiple of its alignment {}", name(buffer_a), a_begin,
                         problem.buffers()[buffer_a].alignment);
    case ViolationKind::out_of_range:
      return fmt::format("buffer '{}' at {} is above the highest base a plan may use, 2^62 = {}", name(buffer_a),
                         a_begin, a_end);
    case ViolationKind::overlap:
      return fmt::format("conflicting pieces overlap: '{}' at [{}, {}) and '{}' at [{}, {})", name(buffer_a),
                         a_begin, a_end, name(buffer_b), b_begin, b_end);
    case ViolationKind::over_capacity:
      return fmt::format("the plan needs {} bytes, {} more than the capacity of {}", peak, peak - capacity,
                         capacity);
  }
  return "unknown violation";
}

}  // namespace tetris::memmgr
