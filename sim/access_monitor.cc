#include "sim/access_monitor.h"

#include <algorithm>

namespace tetris::sim {

bool AccessMonitor::Later::operator()(const Access& a, const Access& b) const {
  if (a.at != b.at) return a.at > b.at;
  if (a.write != b.write) return a.write;  // loads first
  return a.core != b.core ? a.core > b.core : a.index > b.index;
}

AccessMonitor::AccessMonitor(const Program& program, const AddressGrid& grid)
    : program_(program),
      grid_(grid),
      shadow_(grid),
      liveness_(program, grid) {
  std::uint32_t total = 0;
  for (const auto& stream : program.streams) {
    first_id_.push_back(total);
    total += static_cast<std::uint32_t>(stream.size());
  }
  store_at_.resize(total);
  for (TensorId t = 0; t < program.tensors.size(); ++t) {
    const Tensor& tensor = program.tensors[t];
    if (tensor.kind != TensorKind::input && tensor.kind != TensorKind::weight) continue;
    const AddressGrid::Span regions = grid.tensor_regions(t);
    shadow_.write(regions.first, regions.last, Owner{t, Owner::kPreloaded});
  }
}

Writer AccessMonitor::writer_of(const Owner& owner) const {
  Writer w;
  w.tensor = owner.tensor;
  if (owner.store == Owner::kPreloaded) {
    w.preloaded = owner.tensor != kNoTensor;
    return w;
  }
  const auto it = std::upper_bound(first_id_.begin(), first_id_.end(), owner.store);
  w.core = static_cast<CoreId>(it - first_id_.begin() - 1);
  w.index = owner.store - first_id_[w.core];
  w.line = program_.streams[w.core][w.index].line;
  w.at = store_at_[owner.store];
  return w;
}

void AccessMonitor::replay(const Access& access) {
  const auto spans = grid_.spans_between(access.first_span, access.end_span);
  const TensorId tensor = access.tensor;
  // The regions of an access (the rows of a 2-D one) can lie far apart in the shadow memory and
  // the liveness arrays: ask for those a few spans ahead so that their cache misses overlap.
  constexpr std::size_t kAhead = 8;
  auto prefetch = [&](std::size_t i) {
    if (i < spans.size()) {
      shadow_.prefetch(spans[i].first);
      liveness_.prefetch(tensor, spans[i].first);
    }
  };
  for (std::size_t i = 0; i < kAhead; ++i) prefetch(i);
  if (access.write) {
    const std::uint32_t id = first_id_[access.core] + access.index;
    store_at_[id] = access.at;
    std::size_t i = kAhead;
    for (const AddressGrid::Span& span : spans) {
      prefetch(i++);
      shadow_.write(span.first, span.last, Owner{tensor, id});
      liveness_.write(tensor, span.first, span.last, access.at);
    }
    return;
  }
  found_.clear();
  std::size_t i = kAhead;
  for (const AddressGrid::Span& span : spans) {
    prefetch(i++);
    shadow_.read(span.first, span.last, [&](std::uint32_t from, std::uint32_t to, const Owner& owner) {
      if (owner.tensor == tensor) return;
      const auto kind = owner.tensor == kNoTensor ? Conflict::Kind::uninitialised : Conflict::Kind::overwritten;
      // Regions are numbered by their lowest address, but their hulls may interleave.
      const std::uint64_t a = grid_.begin(from);
      std::uint64_t b = 0, bytes = 0;
      for (std::uint32_t r = from; r < to; ++r) b = std::max(b, grid_.end(r)), bytes += grid_.bytes(r);
      for (auto& [seen, c] : found_) {
        if (seen == owner) {  // one report per load and store: widen it
          c.address_begin = std::min(c.address_begin, a);
          c.address_end = std::max(c.address_end, b);
          c.bytes += bytes;
          return;
        }
      }
      const std::uint32_t line = program_.streams[access.core][access.index].line;
      found_.emplace_back(owner, Conflict{kind, access.at, access.core, access.index, line, tensor,
                                          kind == Conflict::Kind::overwritten ? writer_of(owner) : Writer{}, a, b,
                                          bytes});
    });
    liveness_.read(tensor, span.first, span.last, access.start, access.at);
  }
  for (const auto& [owner, c] : found_) {
    ++conflict_count_;
    if (c.kind == Conflict::Kind::uninitialised) ++uninitialised_count_;
    if (conflicts_.size() < kMaxConflictsKept) conflicts_.push_back(c);
  }
}

void AccessMonitor::finish(Cycles end) {
  for (; !pending_.empty(); pending_.pop()) replay(pending_.top());
  peak_live_bytes_ = liveness_.peak_live_bytes(end);
}

}  // namespace tetris::sim
