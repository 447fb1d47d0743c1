// A synthetic trace shaped like a lowered CNN (tiles of load, load2d, compute, store per core,
// a barrier after each layer) for benchmarks that need a large program before lowering exists.
#pragma once

#include <cstdint>
#include <iterator>
#include <string>

#include <fmt/format.h>

namespace tetris::bench {

inline std::string synthetic_trace(int layers, int tiles_per_core, int cores) {
  fmt::memory_buffer b;
  auto out = std::back_inserter(b);
  fmt::format_to(out, "tetris-trace 1\ncores {}\nelement_bytes 2\n", cores);
  for (int l = 0; l < layers; ++l) fmt::format_to(out, "layer {} conv{} conv\n", l, l);
  const std::uint64_t bytes = std::uint64_t(4096) * tiles_per_core * cores;
  for (int l = 0; l <= layers; ++l)
    fmt::format_to(out, "tensor {} t{} {} {} {}\n", l, l, bytes, l == 0 ? "input" : "activation",
                   l == 0 ? std::string("-") : fmt::format("conv{}", l - 1));
  fmt::format_to(out, "tensor {} w {} weight -\n", layers + 1, 1 << 20);
  for (int c = 0; c < cores; ++c) {
    fmt::format_to(out, "core {}\n", c);
    for (int l = 0; l < layers; ++l) {
      fmt::format_to(out, "layer conv{}\n", l);
      for (int t = 0; t < tiles_per_core; ++t) {
        const std::uint64_t offset = (std::uint64_t(c) * tiles_per_core + t) * 4096;
        fmt::format_to(out, "load {} {} 4096 nbin\n", l, offset);
        fmt::format_to(out, "load2d {} 0 512 1024 8 sb\n", layers + 1);
        fmt::format_to(out, "compute conv 1179648\n");
        fmt::format_to(out, "store {} {} 4096 nbout\n", l + 1, offset);
      }
      fmt::format_to(out, "barrier {} all\n", l);
    }
  }
  return fmt::to_string(b);
}

}  // namespace tetris::bench
