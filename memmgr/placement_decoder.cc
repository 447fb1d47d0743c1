#include "memmgr/placement_decoder.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <utility>

namespace tetris::memmgr {

PlacementDecoder::PlacementDecoder(const Problem& problem)
    : PlacementDecoder(problem, std::make_shared<const CollisionTable>(problem)) {}

PlacementDecoder::PlacementDecoder(const Problem& problem, std::shared_ptr<const CollisionTable> collisions)
    : problem_(problem), collisions_(std::move(collisions)), placed_stamp_(problem.buffers().size(), 0) {}

Offset PlacementDecoder::lowest_base(BufferId buffer, std::span<const Offset> offsets) {
  const Buffer& b = problem_.buffers()[buffer];
  forbidden_.clear();
  work_ += collisions_->of(buffer).size() + 1;
  std::int64_t lo_min = std::numeric_limits<std::int64_t>::max(), lo_max = 0;
  // Intervals that start at address 0 (after clipping) all come first in the sweep, and leave the
  // candidate at the highest of their ends, aligned: kept as that one number, they need no sort
  // (most of a decode's intervals on a problem packed from 0, where a sort took an eighth of it).
  std::int64_t at_zero = 0;
  // Locals, so the loop does not reload them from the members after every emplace_back (which
  // may, for all the compiler knows, have changed them): a third of the decoder's time before.
  const std::uint32_t* const stamps = placed_stamp_.data();
  const std::uint32_t stamp = stamp_;
  const Displacements* const displacements = collisions_->all_displacements().data();
  // Bases [base + lo, base + hi) collide with a buffer placed at `base`.
  const auto forbid = [&](std::int64_t base, std::int64_t lo, std::int64_t hi) {
    if (base + hi <= 0) return;
    const std::int64_t from = base + lo;
    if (from <= 0) {  // from address 0: only the highest end matters (see below)
      at_zero = std::max(at_zero, base + hi);
      return;
    }
    forbidden_.emplace_back(from, base + hi);
    lo_min = std::min(lo_min, from);
    lo_max = std::max(lo_max, from);
  };
  if (collisions_->whole(buffer)) {  // the same intervals in the same order, from the sizes
    const std::int64_t* const sizes = collisions_->sizes().data();
    const std::int64_t lo = 1 - sizes[buffer];
    for (const BufferId other : collisions_->whole_others(buffer))
      if (stamps[other] == stamp) forbid(static_cast<std::int64_t>(offsets[other]), lo, sizes[other]);
  } else {
    for (const CollisionTable::Entry& c : collisions_->of(buffer)) {
      if (stamps[c.other] != stamp) continue;
      const auto base = static_cast<std::int64_t>(offsets[c.other]);
      for (const Displacements* d = displacements + c.begin; d != displacements + c.end; ++d) forbid(base, d->first, d->second);
    }
  }
  // Sweep in order of lo: the candidate is never inside a processed interval (moving it past one
  // cannot land it in an earlier one, which would then have contained it already), and the sweep
  // stops at the first interval starting above it. The order comes from a counting sort into
  // about one bucket per interval by the high bits of lo, each bucket sorted only when the sweep
  // reaches it: linear in the intervals, where a heap or a full sort pays a logarithm each (a
  // dense block problem pops most of its intervals before it finds a gap).
  const auto alignment = static_cast<std::int64_t>(b.alignment);
  std::int64_t candidate = (at_zero + alignment - 1) / alignment * alignment;
  if (forbidden_.empty() || lo_min > candidate) return static_cast<Offset>(candidate);
  const auto span = static_cast<std::uint64_t>(lo_max - lo_min);
  const int shift = std::bit_width(span / forbidden_.size());
  const std::size_t buckets = (span >> shift) + 1;
  bucket_start_.assign(buckets + 1, 0);
  for (const auto& interval : forbidden_) ++bucket_start_[(static_cast<std::uint64_t>(interval.first - lo_min) >> shift) + 1];
  for (std::size_t k = 1; k <= buckets; ++k) bucket_start_[k] += bucket_start_[k - 1];
  sorted_.resize(forbidden_.size());
  for (const auto& interval : forbidden_)
    sorted_[bucket_start_[static_cast<std::uint64_t>(interval.first - lo_min) >> shift]++] = interval;
  // bucket_start_[k] now holds the end of bucket k, i.e. the start of bucket k + 1.
  std::size_t begin = 0;
  for (std::size_t k = 0; k < buckets; ++k) {
    const std::size_t end = bucket_start_[k];
    if (begin == end) continue;
    if (lo_min + static_cast<std::int64_t>(k << shift) > candidate) break;  // every lo here is above it
    std::sort(sorted_.begin() + static_cast<std::ptrdiff_t>(begin), sorted_.begin() + static_cast<std::ptrdiff_t>(end));
    for (std::size_t i = begin; i < end; ++i) {
      const auto [lo, hi] = sorted_[i];
      if (lo > candidate) return static_cast<Offset>(candidate);
      if (candidate < hi) candidate = (hi + alignment - 1) / alignment * alignment;
    }
    begin = end;
  }
  return static_cast<Offset>(candidate);
}

void PlacementDecoder::next_stamp() {
  if (++stamp_ == 0) {  // wrapped: clear the stamps once every 2^32 decodes
    std::fill(placed_stamp_.begin(), placed_stamp_.end(), 0);
    stamp_ = 1;
  }
}

std::optional<std::vector<BufferId>> PlacementDecoder::lowest_first_order(
    std::span<Offset> offsets, std::uint64_t max_work, std::optional<std::chrono::steady_clock::time_point> deadline) {
  next_stamp();
  const auto buffers = problem_.buffers();
  const std::uint64_t budget_end = work_ + max_work;
  struct Candidate {
    Offset base;
    Offset size;
    BufferId buffer;
  };
  // The heap functions keep the greatest under `later` on top: a candidate is "less" than another
  // when it comes later (a higher base, then a smaller size, then a higher id), so the top is the
  // lowest base, the larger buffer, the lower id.
  const auto later = [](const Candidate& a, const Candidate& b) {
    if (a.base != b.base) return a.base > b.base;
    if (a.size != b.size) return a.size < b.size;
    return a.buffer > b.buffer;
  };
  std::vector<Candidate> heap;
  heap.reserve(buffers.size());
  for (BufferId b = 0; b < buffers.size(); ++b) heap.push_back({0, buffers[b].size, b});
  std::make_heap(heap.begin(), heap.end(), later);
  std::vector<BufferId> order;
  order.reserve(buffers.size());
  std::uint64_t evaluations = 0;
  while (!heap.empty()) {
    if (work_ > budget_end) return std::nullopt;
    if (deadline && ++evaluations % kDeadlineStride == 0 && std::chrono::steady_clock::now() >= *deadline)
      return std::nullopt;
    std::pop_heap(heap.begin(), heap.end(), later);
    Candidate& top = heap.back();
    const Offset base = lowest_base(top.buffer, offsets);
    if (base != top.base) {  // risen since last looked at: back in line with its new base
      top.base = base;
      std::push_heap(heap.begin(), heap.end(), later);
      continue;
    }
    offsets[top.buffer] = base;
    placed_stamp_[top.buffer] = stamp_;
    order.push_back(top.buffer);
    heap.pop_back();
  }
  return order;
}

Offset PlacementDecoder::decode(std::span<const BufferId> order, std::span<Offset> offsets,
                                std::size_t reuse_prefix,
                                std::optional<std::chrono::steady_clock::time_point> deadline) {
  interrupted_ = false;
  next_stamp();
  const auto buffers = problem_.buffers();
  Offset peak = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const BufferId b = order[i];
    if (deadline && !interrupted_ && i >= reuse_prefix && (i - reuse_prefix) % kDeadlineStride == kDeadlineStride - 1 &&
        std::chrono::steady_clock::now() >= *deadline)
      interrupted_ = true;
    if (interrupted_) {  // above everything placed: no overlap whatever the conflicts
      const Offset alignment = buffers[b].alignment;
      offsets[b] = (peak + alignment - 1) / alignment * alignment;
    } else if (i >= reuse_prefix) {
      offsets[b] = lowest_base(b, offsets);
    }
    placed_stamp_[b] = stamp_;
    peak = std::max(peak, offsets[b] + buffers[b].size);
  }
  return peak;
}

}  // namespace tetris::memmgr
