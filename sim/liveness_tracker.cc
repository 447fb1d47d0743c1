#include "sim/liveness_tracker.h"

#include <algorithm>

#include "memmgr/topology_liveness.h"

namespace tetris::sim {

LivenessTracker::LivenessTracker(const Program& program) : program_(program), tensors_(program.tensors.size()) {
  for (TensorId t = 0; t < program.tensors.size(); ++t) {
    const Tensor& tensor = program.tensors[t];
    if (tensor.kind == TensorKind::input) tensors_[t].emplace(0, Segment{tensor.bytes, 0, 0, 0});
    if (tensor.kind == TensorKind::output) tensors_[t].emplace(0, Segment{tensor.bytes, kNever, kNever, 0});
  }
}

template <typename Update>
void LivenessTracker::update(TensorId tensor, std::uint64_t begin, std::uint64_t end, Update&& apply) {
  if (!memmgr::is_planned(program_.tensors[tensor].kind) || begin >= end) return;
  Segments& segments = tensors_[tensor];
  // Split at `begin` and `end` so that whole segments cover [begin, end), filling gaps.
  auto split = [&](std::uint64_t at) {
    auto it = segments.upper_bound(at);
    if (it == segments.begin()) return;
    auto prev = std::prev(it);
    if (prev->first < at && prev->second.end > at) {
      Segment right = prev->second;
      prev->second.end = at;
      segments.emplace_hint(it, at, right);
    }
  };
  split(begin);
  split(end);
  std::uint64_t at = begin;
  auto it = segments.lower_bound(begin);
  while (at < end) {
    if (it == segments.end() || it->first > at) {
      const std::uint64_t gap_end = it == segments.end() ? end : std::min(end, it->first);
      it = segments.emplace_hint(it, at, Segment{gap_end});
    }
    apply(it->second);
    at = it->second.end;
    ++it;
  }
}

void LivenessTracker::write(TensorId tensor, std::uint64_t begin, std::uint64_t end, Cycles at) {
  update(tensor, begin, end, [at](Segment& s) {
    s.first_write = std::min(s.first_write, at);
    s.first_access = std::min(s.first_access, at);
    s.last_access = std::max(s.last_access, at + 1);
  });
}

void LivenessTracker::read(TensorId tensor, std::uint64_t begin, std::uint64_t end, Cycles start, Cycles at) {
  update(tensor, begin, end, [start, at](Segment& s) {
    s.first_access = std::min(s.first_access, start);
    s.last_access = std::max(s.last_access, std::max(at, start + 1));
  });
}

std::uint64_t LivenessTracker::peak_live_bytes(Cycles end) const {
  struct Event {
    Cycles at;
    std::int64_t delta;
  };
  std::vector<Event> events;
  for (TensorId t = 0; t < tensors_.size(); ++t) {
    const bool output = program_.tensors[t].kind == TensorKind::output;
    for (const auto& [begin, s] : tensors_[t]) {
      Cycles from = s.first_write != kNever ? s.first_write : s.first_access;
      Cycles to = s.last_access;
      if (output) {
        if (from == kNever) from = end;
        to = end + 1;
      }
      if (from == kNever || from >= to) continue;
      const auto bytes = static_cast<std::int64_t>(s.end - begin);
      events.push_back({from, bytes});
      events.push_back({to, -bytes});
    }
  }
  // Lives are half-open: one ending at a cycle frees its bytes before one starting there.
  std::sort(events.begin(), events.end(),
            [](const Event& a, const Event& b) { return a.at != b.at ? a.at < b.at : a.delta < b.delta; });
  std::int64_t live = 0, peak = 0;
  for (const Event& e : events) peak = std::max(peak, live += e.delta);
  return static_cast<std::uint64_t>(peak);
}

}  // namespace tetris::sim
