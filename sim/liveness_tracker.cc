#include "sim/liveness_tracker.h"

#include <algorithm>

#include "memmgr/topology_liveness.h"

namespace tetris::sim {

LivenessTracker::LivenessTracker(const Program& program, const AddressMap& addresses, const AddressGrid& grid)
    : grid_(grid), tensors_(program.tensors.size()) {
  for (TensorId t = 0; t < program.tensors.size(); ++t) {
    const Tensor& tensor = program.tensors[t];
    if (!memmgr::is_planned(tensor.kind)) continue;
    TensorLives& lives = tensors_[t];
    lives.tracked = true;
    lives.output = tensor.kind == TensorKind::output;
    lives.first_segment = grid.index(addresses.base(t));
    lives.lives.resize(grid.index(addresses.base(t) + tensor.bytes) - lives.first_segment);
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
  for (const TensorLives& t : tensors_) {
    // Neighbouring segments with one lifetime make one event pair.
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
      run_bytes += grid_.end(t.first_segment + s) - grid_.begin(t.first_segment + s);
    }
    flush();
  }
  // Lives are half-open: one ending at a cycle frees its bytes before one starting there. A radix
  // sort on (cycle, starts after ends): there are two events per run of segments.
  auto key = [](const Event& e) { return 2 * e.at + (e.delta > 0 ? 1 : 0); };
  std::vector<Event> scratch(events.size());
  Cycles max_key = 0;
  for (const Event& e : events) max_key = std::max(max_key, key(e));
  for (int shift = 0; shift < 64 && (max_key >> shift) != 0; shift += 11) {
    std::vector<std::size_t> count(2049, 0);
    for (const Event& e : events) ++count[((key(e) >> shift) & 2047) + 1];
    for (std::size_t b = 1; b <= 2048; ++b) count[b] += count[b - 1];
    for (const Event& e : events) scratch[count[(key(e) >> shift) & 2047]++] = e;
    events.swap(scratch);
  }
  std::int64_t live = 0, peak = 0;
  for (const Event& e : events) peak = std::max(peak, live += e.delta);
  return static_cast<std::uint64_t>(peak);
}

}  // namespace tetris::sim
