#include "sim/memory_arbiter.h"

#include <algorithm>
#include <cassert>

namespace tetris::sim {

void MemoryArbiter::add(std::uint64_t tag, std::uint64_t key, Cycles arrival, Cycles beats) {
  assert(arrival >= now_);
  arrivals_.push_back({arrival, key, tag, std::max<Cycles>(beats, 1)});
  std::push_heap(arrivals_.begin(), arrivals_.end(), std::greater<>());
}

void MemoryArbiter::insert(std::uint64_t tag, Cycles beats) {
  // Just before the cursor, which then moves past it: it has "had" this round's beat, so its
  // target counts one beat more.
  const std::size_t at = cursor_;
  const Cycles target = credited_ + beats + 1;
  targets_.insert(targets_.begin() + static_cast<std::ptrdiff_t>(at), target);
  tags_.insert(tags_.begin() + static_cast<std::ptrdiff_t>(at), tag);
  if (first_known_) {
    if (first_ >= at) ++first_;
    if (target < targets_[first_] || (target == targets_[first_] && at < first_)) first_ = at;
  }
  if (++cursor_ == size()) cursor_ = 0, ++credited_;
}

void MemoryArbiter::admit(Cycles to) {
  // At the end of the current round: after every request already in the ring.
  while (!arrivals_.empty() && arrivals_.front().at <= now_ && arrivals_.front().at < to) {
    insert(arrivals_.front().tag, arrivals_.front().beats);
    std::pop_heap(arrivals_.begin(), arrivals_.end(), std::greater<>());
    arrivals_.pop_back();
  }
}

void MemoryArbiter::find_first() const {
  first_known_ = true;
  const Cycles* targets = targets_.data();
  const std::size_t n = size();
  // Branch-free, two chains: the least (target, index) packed in one word, when it fits...
  constexpr int kIndexBits = 20;
  if (n <= (std::size_t{1} << kIndexBits)) {
    Cycles best0 = kNever, best1 = kNever, high = 0;
    std::size_t i = 0;
    for (; i + 1 < n; i += 2) {
      high |= targets[i] | targets[i + 1];
      best0 = std::min(best0, (targets[i] << kIndexBits) | i);
      best1 = std::min(best1, (targets[i + 1] << kIndexBits) | (i + 1));
    }
    if (i < n) {
      high |= targets[i];
      best0 = std::min(best0, (targets[i] << kIndexBits) | i);
    }
    if (high < (Cycles{1} << (64 - kIndexBits))) {
      first_ = static_cast<std::size_t>(std::min(best0, best1) & ((Cycles{1} << kIndexBits) - 1));
      return;
    }
  }
  // ... else the first request with the least target.
  first_ = static_cast<std::size_t>(std::min_element(targets, targets + n) - targets);
}

Cycles MemoryArbiter::earliest_completion() const {
  if (!first_known_) find_first();
  return now_ + (targets_[first_] - credited_ - 1) * size() + first_ + 1 - cursor_;
}

void MemoryArbiter::serve(Cycles cycles) {
  const std::size_t n = size();
  if (n == 0 || cycles == 0) return;
  const Cycles cursor = cursor_ + cycles;
  if (cursor < n) {
    cursor_ = static_cast<std::size_t>(cursor);
  } else if (cursor < 2 * n) {  // no division in the common case
    ++credited_;
    cursor_ = static_cast<std::size_t>(cursor - n);
  } else {
    credited_ += cursor / n;
    cursor_ = static_cast<std::size_t>(cursor % n);
  }
  busy_cycles_ += cycles;
  if (recording_) {  // serve() covers [now_, now_ + cycles): advance() moves now_ after it
    if (!busy_intervals_.empty() && busy_intervals_.back().second == now_) busy_intervals_.back().second += cycles;
    else busy_intervals_.emplace_back(now_, now_ + cycles);
  }
}

void MemoryArbiter::advance(Cycles to, std::vector<Completion>& done) {
  if (to < now_) return;
  for (;;) {
    admit(to);
    if (size() == 0) {
      if (arrivals_.empty() || arrivals_.front().at >= to) {
        now_ = to;
        return;
      }
      now_ = arrivals_.front().at;
      continue;
    }
    const Cycles completion = earliest_completion();
    Cycles step = std::min(completion, to);
    if (!arrivals_.empty()) step = std::min(step, arrivals_.front().at);
    serve(step - now_);
    now_ = step;
    if (step == completion) {
      // It had the last beat of the span: the cursor is just past it.
      const std::size_t f = first_;
      assert(targets_[f] == credited_ + (f < cursor_ ? 1 : 0));
      done.push_back({tags_[f], completion});
      targets_.erase(targets_.begin() + static_cast<std::ptrdiff_t>(f));
      tags_.erase(tags_.begin() + static_cast<std::ptrdiff_t>(f));
      if (f < cursor_) --cursor_;
      first_known_ = false;
      continue;
    }
    if (step == to) return;
  }
}

std::optional<Cycles> MemoryArbiter::next_event() const {
  std::optional<Cycles> next;
  if (size() != 0) next = earliest_completion();
  if (!arrivals_.empty()) next = next ? std::min(*next, arrivals_.front().at) : arrivals_.front().at;
  return next;
}

std::optional<Cycles> MemoryArbiter::completion_bound() const {
  std::optional<Cycles> bound;
  if (size() != 0) bound = earliest_completion();
  for (const Arrival& a : arrivals_) bound = bound ? std::min(*bound, a.at + a.beats) : a.at + a.beats;
  return bound;
}

}  // namespace tetris::sim
