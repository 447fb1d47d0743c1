#include "sim/liveness_tracker.h"

#include <algorithm>
#include <bit>
#include <utility>

#include "memmgr/topology_liveness.h"

namespace tetris::sim {

LivenessTracker::LivenessTracker(const Program& program, const AddressGrid& grid)
    : grid_(grid), tensors_(program.tensors.size()) {
  for (TensorId t = 0; t < program.tensors.size(); ++t) {
    const Tensor& tensor = program.tensors[t];
    if (!memmgr::is_planned(tensor.kind)) continue;
    TensorLives& lives = tensors_[t];
    lives.tracked = true;
    lives.output = tensor.kind == TensorKind::output;
    const AddressGrid::Span regions = grid.tensor_regions(t);
    lives.first_region = regions.first;
    lives.lives.resize(regions.last - regions.first);
    if (tensor.kind == TensorKind::input)
      for (Life& life : lives.lives) life = {Life::kWritten | 0, 0};
  }
}

std::uint64_t LivenessTracker::peak_live_bytes(Cycles end) const {
  struct Event {
    Cycles at;
    std::int64_t delta;
  };
  std::vector<Event> events;
  std::size_t regions = 0;  // two events per run of regions at most: no reallocation
  for (const TensorLives& t : tensors_) regions += t.lives.size();
  events.reserve(2 * regions);
  for (const TensorLives& t : tensors_) {
    // Neighbouring regions with one lifetime make one event pair.
    Cycles run_from = kNever, run_to = 0;
    std::uint64_t run_bytes = 0;
    auto flush = [&] {
      if (run_bytes && run_from < run_to) {
        events.push_back({run_from, static_cast<std::int64_t>(run_bytes)});
        events.push_back({run_to, -static_cast<std::int64_t>(run_bytes)});
      }
      run_bytes = 0;
    };
    for (std::uint32_t s = 0; s < t.lives.size(); ++s) {
      const Life& life = t.lives[s];
      Cycles from = life.from == Life::kNone ? kNever : life.from & ~Life::kWritten;
      Cycles to = life.last_access;
      if (t.output) {
        if (from == kNever) from = end;
        to = end + 1;
      }
      if (from == kNever || from >= to) {
        flush();
        continue;
      }
      if (run_bytes && (from != run_from || to != run_to)) flush();
      run_from = from, run_to = to;
      run_bytes += grid_.bytes(t.first_region + s);
    }
    flush();
  }
  // Lives are half-open: one ending at a cycle frees its bytes before one starting there. A stable
  // LSD radix sort on (cycle, starts after ends), with as few passes of at most 13 bits (the counts
  // stay in cache) as the keys need, all counted in one read.
  auto key = [](const Event& e) { return 2 * e.at + (e.delta > 0 ? 1 : 0); };
  Cycles max_key = 0;
  for (const Event& e : events) max_key = std::max(max_key, key(e));
  const int bits = std::bit_width(max_key);
  const int passes = (bits + 12) / 13;
  if (passes > 0) {
    const int digit = (bits + passes - 1) / passes;
    const Cycles mask = (Cycles{1} << digit) - 1;
    const std::size_t buckets = std::size_t{1} << digit;
    std::vector<std::size_t> count(static_cast<std::size_t>(passes) * buckets, 0);
    for (const Event& e : events)
      for (int p = 0; p < passes; ++p) ++count[static_cast<std::size_t>(p) * buckets + ((key(e) >> (p * digit)) & mask)];
    std::vector<Event> scratch(events.size());
    for (int p = 0; p < passes; ++p) {
      std::size_t* c = count.data() + static_cast<std::size_t>(p) * buckets;
      std::size_t sum = 0;
      for (std::size_t b = 0; b < buckets; ++b) sum += std::exchange(c[b], sum);
      for (const Event& e : events) scratch[c[(key(e) >> (p * digit)) & mask]++] = e;
      events.swap(scratch);
    }
  }
  std::int64_t live = 0, peak = 0;
  for (const Event& e : events) peak = std::max(peak, live += e.delta);
  return static_cast<std::uint64_t>(peak);
}

}  // namespace tetris::sim
