// Random interval problems shaped like a compiled network's activations, for benchmarks at sizes
// no zoo model reaches: buffer i is made at step i, most die within a few steps, a few live long.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>

#include "memmgr/problem.h"

namespace tetris::bench {

// `buffers` one-piece buffers, conflicts = overlapping lifespans (MiniMalloc's case). Lifespans:
// 95% geometric with mean 4 steps (an op's output read by the next few ops), 5% uniform up to 2,000
// steps (skip connections, long-lived state); sizes log-uniform from 64 B to 1 MiB, in 64-byte
// multiples. About 60 buffers live at each step whatever `buffers` is, so the work per buffer
// stays the same and the problem grows only in length. The same seed gives the same problem.
inline memmgr::Problem synthetic_interval_problem(std::size_t buffers, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::geometric_distribution<std::uint64_t> short_life(0.25);
  std::uniform_int_distribution<std::uint64_t> long_life(1, 2000);
  std::uniform_real_distribution<double> log_size(6.0, 20.0);  // log2 bytes
  std::bernoulli_distribution is_long(0.05);
  memmgr::ProblemBuilder builder;
  for (std::size_t i = 0; i < buffers; ++i) {
    const std::uint64_t life = is_long(rng) ? long_life(rng) : 1 + short_life(rng);
    const auto size = std::max<memmgr::Offset>(64, static_cast<memmgr::Offset>(std::exp2(log_size(rng))) / 64 * 64);
    const memmgr::BufferId b = builder.add_buffer(std::to_string(i), size, 64);
    builder.add_piece(b, 0, size, {i, i + life});
  }
  builder.add_lifespan_conflicts();
  return builder.build("synthetic interval problem");
}

}  // namespace tetris::bench
