#include "sim/liveness_tracker.h"

#include <algorithm>
#include <bit>

#include "sim/radix_sort.h"

namespace tetris::sim {

LivenessTracker::LivenessTracker(const Program& program, const AddressGrid& grid)
    : grid_(grid), tensors_(program.tensors.size()) {
  for (TensorId t = 0; t < program.tensors.size(); ++t) {
    const Tensor& tensor = program.tensors[t];
    if (!is_planned(tensor.kind)) continue;
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
  // Lives are half-open: one ending at a cycle frees its bytes before one starting there. Sorted
  // (stably) on (cycle, starts after ends).
  auto key = [](const Event& e) { return 2 * e.at + (e.delta > 0 ? 1 : 0); };
  Cycles max_key = 0;
  for (const Event& e : events) max_key = std::max(max_key, key(e));
  radix_sort(std::span<Event>(events), std::bit_width(max_key), key);
  std::int64_t live = 0, peak = 0;
  for (const Event& e : events) peak = std::max(peak, live += e.delta);
  return static_cast<std::uint64_t>(peak);
}

}  // namespace tetris::sim
