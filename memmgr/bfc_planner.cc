#include "memmgr/bfc_planner.h"

#include <algorithm>
#include <bit>
#include <stdexcept>

#include "memmgr/buffer_placement.h"
#include "memmgr/plan_validator.h"

namespace tetris::memmgr {

BfcAllocator::BfcAllocator(Offset region_bytes) {
  chunks_[0] = Chunk{0, region_bytes, false};
  insert_free(0);
}

int BfcAllocator::bin_for_size(Offset bytes) {
  const Offset units = std::max(bytes, kMinAllocationSize) >> 8;
  return std::min(kNumBins - 1, static_cast<int>(std::bit_width(units)) - 1);
}

void BfcAllocator::insert_free(Offset address) {
  const Chunk& c = chunks_.at(address);
  bins_[bin_for_size(c.size)].insert({c.size, c.address});
}

void BfcAllocator::erase_free(Offset address) {
  const Chunk& c = chunks_.at(address);
  bins_[bin_for_size(c.size)].erase({c.size, c.address});
}

Offset BfcAllocator::allocate(Offset bytes, Offset alignment) {
  const Offset rounded = align_up(align_up(std::max<Offset>(bytes, 1), kMinAllocationSize), alignment);
  for (int bin = bin_for_size(rounded); bin < kNumBins; ++bin) {
    // (size, address) order: the first chunk that fits is the best fit, lowest address on ties.
    // Alignment beyond 256 is kept by skipping chunks whose start is not aligned (the XLA
    // version splits off a prefix instead; our bases are aligned whenever sizes are).
    for (auto it = bins_[bin].lower_bound({rounded, 0}); it != bins_[bin].end(); ++it) {
      const Offset address = it->second;
      if (address % alignment != 0) continue;
      erase_free(address);
      Chunk& chunk = chunks_.at(address);
      if (chunk.size >= 2 * rounded) {
        chunks_[address + rounded] = Chunk{address + rounded, chunk.size - rounded, false};
        chunk.size = rounded;
        insert_free(address + rounded);
      }
      chunk.in_use = true;
      high_water_ = std::max(high_water_, address + chunk.size);
      return address;
    }
  }
  throw std::runtime_error("BFC region exhausted");
}

void BfcAllocator::free(Offset address) {
  auto it = chunks_.find(address);
  if (it == chunks_.end() || !it->second.in_use) throw std::logic_error("BFC free of an unallocated address");
  it->second.in_use = false;
  auto next = std::next(it);
  if (next != chunks_.end() && !next->second.in_use) {
    erase_free(next->first);
    it->second.size += next->second.size;
    chunks_.erase(next);
  }
  if (it != chunks_.begin()) {
    auto previous = std::prev(it);
    if (!previous->second.in_use) {
      erase_free(previous->first);
      previous->second.size += it->second.size;
      chunks_.erase(it);
      it = previous;
    }
  }
  insert_free(it->first);
}

PlanResult plan_bfc(const Problem& problem, const PlannerOptions&) {
  const auto buffers = problem.buffers();
  struct Event {
    TimeValue time;
    bool allocate;  // frees (false) sort first at equal times
    BufferId buffer;
    bool operator<(const Event& o) const {
      if (time != o.time) return time < o.time;
      if (allocate != o.allocate) return !allocate;
      return buffer < o.buffer;
    }
  };
  std::vector<Event> events;
  for (BufferId b = 0; b < buffers.size(); ++b) {
    events.push_back({buffers[b].lifespan.lower, true, b});
    events.push_back({std::max(buffers[b].lifespan.upper, buffers[b].lifespan.lower + 1), false, b});
  }
  std::sort(events.begin(), events.end());
  BfcAllocator allocator(Offset{1} << 56);
  PlanResult result{.planner = "tf-bfc"};
  result.offsets.assign(buffers.size(), 0);
  for (const Event& e : events) {
    if (e.allocate)
      result.offsets[e.buffer] = allocator.allocate(buffers[e.buffer].size, buffers[e.buffer].alignment);
    else
      allocator.free(result.offsets[e.buffer]);
  }
  // The footprint is what BFC reserves, rounding included: the highest chunk end it handed out.
  result.peak = allocator.high_water();
  result.notes = "peak includes BFC's 256-byte rounding; bases + sizes reach " +
                 std::to_string(plan_peak(problem, result.offsets));
  return result;
}

}  // namespace tetris::memmgr
