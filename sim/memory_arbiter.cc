#include "sim/memory_arbiter.h"

#include <algorithm>
#include <cassert>

namespace tetris::sim {

void MemoryArbiter::add(std::uint64_t tag, std::uint64_t key, Cycles arrival, Cycles beats) {
  assert(arrival >= now_);
  arrivals_.push({arrival, key, tag, std::max<Cycles>(beats, 1)});
}

void MemoryArbiter::admit() {
  while (!arrivals_.empty() && arrivals_.top().at <= now_) {
    const Arrival& a = arrivals_.top();
    // At the end of the current round: just before the request served next.
    if (next_ > ring_.size()) next_ = 0;
    ring_.insert(ring_.begin() + static_cast<std::ptrdiff_t>(next_), Active{a.tag, a.beats});
    ++next_;
    arrivals_.pop();
  }
  if (next_ >= ring_.size()) next_ = 0;
}

std::pair<Cycles, std::size_t> MemoryArbiter::earliest_completion() const {
  // The request j places after next_ gets its beats in cycles now_ + j, now_ + j + N, ...; its
  // last one (the remaining-th) ends at now_ + (remaining - 1) * N + j + 1.
  const std::size_t n = ring_.size();
  Cycles best = kNever;
  std::size_t best_index = 0;
  for (std::size_t j = 0; j < n; ++j) {
    const std::size_t i = (next_ + j) % n;
    const Cycles at = now_ + (ring_[i].remaining - 1) * n + j + 1;
    if (at < best) best = at, best_index = i;
  }
  return {best, best_index};
}

void MemoryArbiter::serve(Cycles cycles) {
  const std::size_t n = ring_.size();
  if (n == 0 || cycles == 0) return;
  const Cycles full = cycles / n;
  const std::size_t extra = static_cast<std::size_t>(cycles % n);
  for (std::size_t j = 0; j < n; ++j) {
    const std::size_t i = (next_ + j) % n;
    ring_[i].remaining -= full + (j < extra ? 1 : 0);
  }
  next_ = (next_ + extra) % n;
  busy_cycles_ += cycles;
}

void MemoryArbiter::advance(Cycles to, std::vector<Completion>& done) {
  if (to < now_) return;
  for (;;) {
    admit();
    if (ring_.empty()) {
      if (arrivals_.empty() || arrivals_.top().at > to) {
        now_ = to;
        return;
      }
      now_ = arrivals_.top().at;
      continue;
    }
    const auto [completion, index] = earliest_completion();
    Cycles step = std::min(completion, to);
    if (!arrivals_.empty()) step = std::min(step, arrivals_.top().at);
    serve(step - now_);
    now_ = step;
    if (step == completion) {
      assert(ring_[index].remaining == 0);
      done.push_back({ring_[index].tag, completion});
      ring_.erase(ring_.begin() + static_cast<std::ptrdiff_t>(index));
      if (index < next_) --next_;
      if (next_ >= ring_.size()) next_ = 0;
      continue;
    }
    if (step == to) return;
  }
}

std::optional<Cycles> MemoryArbiter::next_event() const {
  std::optional<Cycles> next;
  if (!ring_.empty()) next = earliest_completion().first;
  if (!arrivals_.empty()) next = next ? std::min(*next, arrivals_.top().at) : arrivals_.top().at;
  return next;
}

}  // namespace tetris::sim
