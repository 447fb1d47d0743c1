#include "sim/access_monitor.h"

#include <algorithm>

namespace tetris::sim {

AccessMonitor::AccessMonitor(const Program& program, const AddressMap& addresses)
    : addresses_(addresses), liveness_(program) {
  for (TensorId t = 0; t < program.tensors.size(); ++t) {
    const Tensor& tensor = program.tensors[t];
    if (tensor.kind != TensorKind::input && tensor.kind != TensorKind::weight) continue;
    Writer writer;
    writer.tensor = t;
    writer.preloaded = true;
    shadow_.write(addresses.base(t), addresses.base(t) + tensor.bytes, writer);
  }
}

void AccessMonitor::record(const Access& access) {
  if (!pending_.empty() && pending_.back().at < access.at) flush();
  pending_.push_back(access);
}

void AccessMonitor::flush() {
  std::sort(pending_.begin(), pending_.end(), [](const Access& a, const Access& b) {
    if (a.at != b.at) return a.at < b.at;
    if (a.write != b.write) return !a.write;
    return a.core != b.core ? a.core < b.core : a.index < b.index;
  });
  for (const Access& access : pending_) replay(access);
  pending_.clear();
}

void AccessMonitor::replay(const Access& access) {
  const std::uint64_t base = addresses_.base(access.tensor);
  const TensorRange& r = access.range;
  if (access.write) {
    Writer writer{access.tensor, access.core, access.index, access.line, access.at, false};
    for (std::uint64_t row = 0; row < r.rows; ++row) {
      const std::uint64_t offset = r.offset + row * r.row_stride;
      shadow_.write(base + offset, base + offset + r.row_bytes, writer);
      liveness_.write(access.tensor, offset, offset + r.row_bytes, access.at);
    }
    return;
  }
  found_.clear();
  for (std::uint64_t row = 0; row < r.rows; ++row) {
    const std::uint64_t offset = r.offset + row * r.row_stride;
    shadow_.read(base + offset, base + offset + r.row_bytes,
                 [&](std::uint64_t begin, std::uint64_t end, const Writer& writer) {
                   if (writer.tensor == access.tensor) return;
                   const auto kind =
                       writer.tensor == kNoTensor ? Conflict::Kind::uninitialised : Conflict::Kind::overwritten;
                   for (Conflict& c : found_) {
                     if (c.kind == kind && (kind == Conflict::Kind::uninitialised || c.writer.same_store(writer))) {
                       c.address_begin = std::min(c.address_begin, begin);
                       c.address_end = std::max(c.address_end, end);
                       c.bytes += end - begin;
                       return;
                     }
                   }
                   found_.push_back(Conflict{kind, access.at, access.core, access.index, access.line, access.tensor,
                                             writer, begin, end, end - begin});
                 });
    liveness_.read(access.tensor, offset, offset + r.row_bytes, access.start, access.at);
  }
  for (const Conflict& c : found_) {
    ++conflict_count_;
    if (c.kind == Conflict::Kind::uninitialised) ++uninitialised_count_;
    if (conflicts_.size() < kMaxConflictsKept) conflicts_.push_back(c);
  }
}

void AccessMonitor::finish(Cycles end) {
  flush();
  peak_live_bytes_ = liveness_.peak_live_bytes(end);
}

}  // namespace tetris::sim
