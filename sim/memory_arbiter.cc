#include "sim/memory_arbiter.h"

#include <algorithm>
#include <cassert>

namespace tetris::sim {

void MemoryArbiter::add(std::uint64_t tag, std::uint64_t key, Cycles arrival, Cycles beats) {
  assert(arrival >= now_);
  arrivals_.push_back({arrival, key, tag, std::max<Cycles>(beats, 1)});
  std::push_heap(arrivals_.begin(), arrivals_.end(), std::greater<>());
}

void MemoryArbiter::push_back(std::uint64_t tag, Cycles beats) {
  if (size() == tags_.size()) {  // grow: unwrap into a buffer twice as big
    const std::size_t capacity = std::max<std::size_t>(8, 2 * tags_.size());
    std::vector<std::uint64_t> tags(capacity);
    std::vector<Cycles> targets(capacity);
    for (std::size_t p = 0; p < size(); ++p) tags[p] = tags_[slot(p)], targets[p] = targets_[slot(p)];
    first_ -= head_;
    tail_ = size();
    head_ = 0;
    tags_ = std::move(tags);
    targets_ = std::move(targets);
    mask_ = capacity - 1;
  }
  tags_[tail_ & mask_] = tag;
  targets_[tail_ & mask_] = credited_ + beats;
  if (first_known_ && targets_[tail_ & mask_] < targets_[first_ & mask_]) first_ = tail_;
  ++tail_;
}

void MemoryArbiter::admit(Cycles to) {
  // At the end of the current round: after every request already in the ring.
  while (!arrivals_.empty() && arrivals_.front().at <= now_ && arrivals_.front().at < to) {
    push_back(arrivals_.front().tag, arrivals_.front().beats);
    std::pop_heap(arrivals_.begin(), arrivals_.end(), std::greater<>());
    arrivals_.pop_back();
  }
}

void MemoryArbiter::find_first() const {
  first_known_ = true;
  const std::size_t n = size();
  // One branch-free pass over (remaining beats, position) packed in a word, when they fit...
  constexpr int kPositionBits = 20;
  if (n < (std::size_t{1} << kPositionBits)) {
    Cycles best = kNever;
    bool fits = true;
    for (std::size_t j = 0; j < n; ++j) {
      const Cycles remaining = targets_[(head_ + j) & mask_] - credited_;
      fits &= remaining < (Cycles{1} << (63 - kPositionBits));
      best = std::min(best, (remaining << kPositionBits) | j);
    }
    if (fits) {
      first_ = head_ + (best & ((Cycles{1} << kPositionBits) - 1));
      return;
    }
  }
  // ... else two: the fewest beats, then the first request with them.
  Cycles best = kNever;
  for (std::size_t p = head_; p < tail_; ++p) best = std::min(best, targets_[p & mask_]);
  first_ = head_;
  while (targets_[first_ & mask_] != best) ++first_;
}

Cycles MemoryArbiter::earliest_completion() const {
  // The request at position j gets its beats in cycles now_ + j, now_ + j + N, ...; its last
  // one (the remaining-th) ends at now_ + (remaining - 1) * N + j + 1.
  if (!first_known_) find_first();
  return now_ + (targets_[first_ & mask_] - credited_ - 1) * size() + (first_ - head_) + 1;
}

void MemoryArbiter::serve(Cycles cycles) {
  const std::size_t n = size();
  if (n == 0 || cycles == 0) return;
  // Spans between events are mostly shorter than a round: no division then.
  const Cycles full = cycles < n ? 0 : cycles / n;
  const std::size_t extra = static_cast<std::size_t>(cycles - full * n);
  credited_ += full;
  // The first `extra` requests get one beat more and move behind the others.
  for (std::size_t j = 0; j < extra; ++j) {
    const std::size_t from = slot(0), to = tail_ & mask_;
    tags_[to] = tags_[from];
    targets_[to] = targets_[from] - 1;
    if (first_ == head_) first_ = tail_;
    ++head_;
    ++tail_;
  }
  busy_cycles_ += cycles;
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
      // It got the last beat of the span, so it is now at the back of the ring.
      --tail_;
      assert(first_ == tail_ && targets_[tail_ & mask_] == credited_);
      done.push_back({tags_[tail_ & mask_], completion});
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
