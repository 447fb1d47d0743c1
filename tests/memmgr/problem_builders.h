// Small problems for memmgr tests: interval problems from (size, first, last) triples as the
// upstream planner tests write them (inclusive), and random problems for property tests.
#pragma once

#include <random>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "memmgr/problem.h"

namespace tetris::memmgr::fixtures {

// (size, first, last) with last inclusive, as in TFLite's and XLA's tests.
inline Problem inclusive_problem(const std::vector<std::tuple<Offset, TimeValue, TimeValue>>& records) {
  ProblemBuilder builder;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& [size, first, last] = records[i];
    const BufferId b = builder.add_buffer(fmt::format("b{}", i), size);
    builder.add_piece(b, 0, size, {first, last + 1});
  }
  builder.add_lifespan_conflicts();
  return builder.build("test");
}

// Random problems. Interval ones have one piece per buffer; the others have 1-4 pieces per
// buffer with random lifespans, and some extra random conflicts beyond overlapping lifespans
// (as races add at instruction level).
inline Problem random_problem(std::mt19937_64& rng, bool interval, Offset alignment = 1) {
  auto pick = [&](std::uint64_t lo, std::uint64_t hi) { return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng); };
  ProblemBuilder builder;
  const auto buffers = pick(1, 40);
  for (std::uint64_t i = 0; i < buffers; ++i) {
    const Offset size = pick(1, 1000);
    const BufferId b = builder.add_buffer(fmt::format("b{}", i), size, alignment);
    const auto pieces = interval ? 1 : pick(1, std::min<Offset>(4, size));
    Offset offset = 0;
    for (std::uint64_t p = 0; p < pieces; ++p) {
      const Offset piece_size = p + 1 == pieces ? size - offset : pick(1, size - offset - (pieces - p - 1));
      const TimeValue lower = pick(0, 50);
      builder.add_piece(b, offset, piece_size, {lower, lower + pick(1, 20)});
      offset += piece_size;
    }
  }
  builder.add_lifespan_conflicts();
  if (!interval) {
    const auto n = builder.piece_count();
    for (int k = 0; k < 10; ++k) builder.add_conflict(static_cast<PieceId>(pick(0, n - 1)), static_cast<PieceId>(pick(0, n - 1)));
  }
  return builder.build("random");
}

}  // namespace tetris::memmgr::fixtures
