// Which tensor each byte of the shared memory holds, kept as address intervals (not bytes).
//
// A write records its writer over [begin, end); a read visits the maximal sub-intervals of
// [begin, end) with one writer each, including the never-written gaps (tensor == kNoTensor).
#pragma once

#include <cstdint>
#include <iterator>
#include <map>

#include "common/trace.h"
#include "sim/sim_types.h"

namespace tetris::sim {

struct Writer {
  TensorId tensor = kNoTensor;  // kNoTensor: never written
  CoreId core = 0;
  std::uint32_t index = 0;      // instruction index in the core's stream
  std::uint32_t line = 0;       // trace line (0 for programs built in memory)
  Cycles at = 0;
  bool preloaded = false;       // there before the program started (graph inputs, weights)

  bool same_store(const Writer& o) const { return tensor == o.tensor && core == o.core && index == o.index && at == o.at; }
};

class ShadowMemory {
 public:
  void write(std::uint64_t begin, std::uint64_t end, const Writer& writer);

  template <typename Visit>
  void read(std::uint64_t begin, std::uint64_t end, Visit&& visit) const {
    auto it = segments_.upper_bound(begin);
    if (it != segments_.begin() && std::prev(it)->second.end > begin) --it;
    std::uint64_t at = begin;
    for (; it != segments_.end() && it->first < end; ++it) {
      if (it->first > at) visit(at, it->first, Writer{});
      const std::uint64_t to = std::min(it->second.end, end);
      visit(std::max(at, it->first), to, it->second.writer);
      at = to;
    }
    if (at < end) visit(at, end, Writer{});
  }

  std::size_t segment_count() const { return segments_.size(); }

 private:
  struct Segment {
    std::uint64_t end;
    Writer writer;
  };
  std::map<std::uint64_t, Segment> segments_;  // by begin; disjoint
};

}  // namespace tetris::sim
