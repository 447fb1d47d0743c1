#include "sim/shadow_memory.h"

namespace tetris::sim {

void ShadowMemory::write(std::uint64_t begin, std::uint64_t end, const Writer& writer) {
  if (begin >= end) return;
  auto it = segments_.upper_bound(begin);
  if (it != segments_.begin()) {
    auto prev = std::prev(it);
    if (prev->second.end > begin) {  // split the segment that straddles `begin`
      const Segment tail{prev->second.end, prev->second.writer};
      prev->second.end = begin;
      // When the write falls inside that one segment, keep its right part too; otherwise the
      // rest of it is covered by the write.
      if (tail.end > end) segments_.emplace_hint(it, end, tail);
    }
  }
  // Remove or trim everything starting inside [begin, end).
  it = segments_.lower_bound(begin);
  while (it != segments_.end() && it->first < end) {
    if (it->second.end > end) {
      const Segment rest{it->second.end, it->second.writer};
      it = segments_.erase(it);
      segments_.emplace_hint(it, end, rest);
      break;
    }
    it = segments_.erase(it);
  }
  segments_.emplace_hint(segments_.lower_bound(begin), begin, Segment{end, writer});
}

}  // namespace tetris::sim
