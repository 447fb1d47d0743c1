// Bounded random perturbation of latencies, for `--jitter SEED`.
//
// Each draw is a pure function of (seed, core, instruction, what is perturbed), never of the order
// in which the kernel runs processes, so a seed always gives the same run. A perturbed latency
// lies in [base, 2 x base]: memory requests get up to 100% extra latency, computes up to 100%
// extra duration. Jitter only ever adds time, so every roofline stays a lower bound.
#pragma once

#include <cstdint>
#include <optional>

#include "common/splitmix.h"
#include "common/trace.h"
#include "sim/sim_types.h"

namespace tetris::sim {

enum class JitterTarget : std::uint8_t { memory_latency, compute };

class Jitter {
 public:
  Jitter() = default;  // no jitter
  explicit Jitter(std::uint64_t seed) : seed_(seed) {}

  bool enabled() const { return seed_.has_value(); }
  std::optional<std::uint64_t> seed() const { return seed_; }
  // Extra cycles, uniform in [0, base]; 0 when disabled.
  Cycles extra(Cycles base, CoreId core, std::uint32_t instruction, JitterTarget target) const;

 private:
  std::optional<std::uint64_t> seed_;
};

// One core's draws, with the core's share of the hash computed once: Jitter::extra for one core.
class CoreJitter {
 public:
  CoreJitter(const Jitter& jitter, CoreId core);

  // Inline: called for every compute and every memory request.
  Cycles extra(Cycles base, std::uint32_t instruction, JitterTarget target) const {
    if (!enabled_ || base == 0) return 0;
    const std::uint64_t h = splitmix64(salt_ ^ ((std::uint64_t{instruction} << 2) | static_cast<std::uint64_t>(target)));
    // Uniform in [0, base] (base + 1 values); the modulo bias is below 2^-40 for realistic bases.
    return base == kNever ? h : h % (base + 1);  // base + 1 must not wrap
  }

 private:
  bool enabled_;
  std::uint64_t salt_;  // hashed from the seed and the core
};

}  // namespace tetris::sim
