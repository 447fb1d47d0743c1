// A synthetic trace shaped like a lowered CNN (tiles of load, load2d, compute, store per core,
// a barrier after each layer) for benchmarks that need a large program of a chosen size.
#pragma once

#include <cstdint>
#include <iterator>
#include <string>

#include <fmt/format.h>

namespace tetris::bench {

struct SyntheticTraceShape {
  int layers = 50;
  int tiles_per_core = 10;
  int cores = 16;
  std::uint64_t tile_bytes = 4096;
  // The simulator's benchmark varies weight rows and compute per tile, so cores drift apart and
  // the arbiter sees contention; its last tensor is the graph output.
  bool varied = false;
};

inline std::string synthetic_trace(const SyntheticTraceShape& shape) {
  const auto [layers, tiles_per_core, cores, tile, varied] = shape;
  fmt::memory_buffer b;
  auto out = std::back_inserter(b);
  fmt::format_to(out, "tetris-trace 1\ncores {}\nelement_bytes 2\n", cores);
  for (int l = 0; l < layers; ++l) fmt::format_to(out, "layer {} conv{} conv\n", l, l);
  const std::uint64_t bytes = tile * tiles_per_core * cores;
  for (int l = 0; l <= layers; ++l)
    fmt::format_to(out, "tensor {} t{} {} {} {}\n", l, l, bytes,
                   l == 0 ? "input" : (varied && l == layers ? "output" : "activation"),
                   l == 0 ? std::string("-") : fmt::format("conv{}", l - 1));
  fmt::format_to(out, "tensor {} w {} weight -\n", layers + 1, 1 << 20);
  for (int c = 0; c < cores; ++c) {
    fmt::format_to(out, "core {}\n", c);
    for (int l = 0; l < layers; ++l) {
      fmt::format_to(out, "layer conv{}\n", l);
      for (int t = 0; t < tiles_per_core; ++t) {
        const std::uint64_t offset = (std::uint64_t(c) * tiles_per_core + t) * tile;
        fmt::format_to(out, "load {} {} {} nbin\n", l, offset, tile);
        fmt::format_to(out, "load2d {} {} 512 1024 8 sb\n", layers + 1, varied ? (t % 64) * 8192 : 0);
        fmt::format_to(out, "compute conv {}\n", varied ? 16384 + 4096 * ((c + t) % 4) : 1179648);
        fmt::format_to(out, "store {} {} {} nbout\n", l + 1, offset, tile);
      }
      fmt::format_to(out, "barrier {} all\n", l);
    }
  }
  return fmt::to_string(b);
}

}  // namespace tetris::bench
