// SplitMix64's finaliser: a well-mixed 64-bit hash of a 64-bit value, for reproducible
// pseudo-random streams and tokens (jitter, the genetic search's children, clique signatures).
#pragma once

#include <cstdint>

namespace tetris {

constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace tetris
