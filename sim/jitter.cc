#include "sim/jitter.h"

namespace tetris::sim {
namespace {

// SplitMix64's finaliser: a well-mixed 64-bit hash.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

Cycles Jitter::extra(Cycles base, CoreId core, std::uint32_t instruction, JitterTarget target) const {
  return CoreJitter(*this, core).extra(base, instruction, target);
}

CoreJitter::CoreJitter(const Jitter& jitter, CoreId core)
    : enabled_(jitter.enabled()), salt_(enabled_ ? mix(mix(*jitter.seed()) ^ core) : 0) {}

Cycles CoreJitter::extra(Cycles base, std::uint32_t instruction, JitterTarget target) const {
  if (!enabled_ || base == 0) return 0;
  const std::uint64_t h = mix(salt_ ^ ((std::uint64_t{instruction} << 2) | static_cast<std::uint64_t>(target)));
  // Uniform in [0, base] (base + 1 values); the modulo bias is below 2^-40 for realistic bases.
  return base == kNever ? h : h % (base + 1);  // base + 1 must not wrap
}

}  // namespace tetris::sim
