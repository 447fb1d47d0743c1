#include "memmgr/plan_validator.h"

#include <algorithm>

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
  // The first overlapping pair (lowest piece, then lowest partner), found block by block: for
  // contiguous stretches one test of their extents says whether any pair of the block overlaps,
  // and a binary search finds the first.
  const auto pieces = problem.pieces();
  const auto place = [&](PieceId p) {
    const Offset begin = offsets[pieces[p].buffer] + pieces[p].offset;
    return std::pair{begin, begin + pieces[p].size};
  };
  const auto overlap = [&](PieceId p, PieceId q) {
    const auto [p_begin, p_end] = place(p);
    const auto [q_begin, q_end] = place(q);
    return p_begin < q_end && q_begin < p_end;
  };
  // The first piece of `range` (contiguous, placed at `base`) whose bytes end above `at`.
  const auto first_ending_above = [&](PieceRange range, Offset base, Offset at) {
    return static_cast<PieceId>(std::upper_bound(pieces.begin() + range.begin, pieces.begin() + range.end, at,
                                                 [&](Offset v, const Piece& q) { return v < base + q.offset + q.size; }) -
                                pieces.begin());
  };
  std::optional<std::pair<PieceId, PieceId>> first;
  for (const ConflictBlock& block : problem.conflict_blocks()) {
    if (first && block.a.begin > first->first) continue;
    const BufferId x = problem.buffer_of(block.a), y = problem.buffer_of(block.b);
    std::optional<std::pair<PieceId, PieceId>> found;
    if (problem.pieces_contiguous(x) && problem.pieces_contiguous(y)) {
      const auto [a_begin, a_end] = problem.extent(block.a);
      const auto [b_begin, b_end] = problem.extent(block.b);
      const Offset a_low = offsets[x] + a_begin, a_high = offsets[x] + a_end;
      const Offset b_low = offsets[y] + b_begin, b_high = offsets[y] + b_end;
      if (a_low < b_high && b_low < a_high) {
        // The lowest piece of a meeting b's bytes, then the lowest piece of b meeting it.
        const PieceId p = first_ending_above(block.a, offsets[x], b_low);
        found = {p, first_ending_above(block.b, offsets[y], place(p).first)};
      }
    } else {
      for (PieceId p = block.a.begin; p < block.a.end && !found; ++p)
        for (PieceId q = block.b.begin; q < block.b.end && !found; ++q)
          if (overlap(p, q)) found = {p, q};
    }
    if (found && (!first || *found < *first)) first = found;
  }
  if (first) {
    const auto [p, q] = *first;
    const auto [p_begin, p_end] = place(p);
    const auto [q_begin, q_end] = place(q);
    return PlanViolation{.kind = ViolationKind::overlap, .buffer_a = pieces[p].buffer, .buffer_b = pieces[q].buffer,
                         .a_begin = p_begin, .a_end = p_end, .b_begin = q_begin, .b_end = q_end};
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
