#include "memmgr/problem.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace tetris::memmgr {

std::vector<BufferId> Problem::conflicting_buffers(BufferId buffer) const {
  std::vector<BufferId> result;
  for (PieceId p = buffers_[buffer].first_piece; p < buffers_[buffer].first_piece + buffers_[buffer].piece_count; ++p)
    for (PieceId q : conflicts(p)) result.push_back(pieces_[q].buffer);
  std::sort(result.begin(), result.end());
  result.erase(std::unique(result.begin(), result.end()), result.end());
  return result;
}

BufferId ProblemBuilder::add_buffer(std::string name, Offset size, Offset alignment) {
  if (size == 0) throw std::invalid_argument(fmt::format("buffer '{}' has size 0", name));
  if (alignment == 0) throw std::invalid_argument(fmt::format("buffer '{}' has alignment 0", name));
  Buffer buffer;
  buffer.name = std::move(name);
  buffer.size = size;
  buffer.alignment = alignment;
  buffer.first_piece = static_cast<PieceId>(problem_.pieces_.size());
  problem_.buffers_.push_back(std::move(buffer));
  return static_cast<BufferId>(problem_.buffers_.size() - 1);
}

PieceId ProblemBuilder::add_piece(BufferId buffer, Offset offset, Offset size, Lifespan lifespan) {
  Buffer& b = problem_.buffers_.at(buffer);
  if (buffer + 1 != problem_.buffers_.size())
    throw std::invalid_argument(fmt::format("pieces of buffer '{}' must follow it", b.name));
  if (size == 0 || offset > b.size || size > b.size - offset)
    throw std::invalid_argument(fmt::format("piece [{}, +{}) is outside buffer '{}' of {} bytes", offset,
                                            size, b.name, b.size));
  if (lifespan.upper < lifespan.lower)
    throw std::invalid_argument(fmt::format("piece of buffer '{}' ends before it starts", b.name));
  problem_.pieces_.push_back({buffer, offset, size, lifespan});
  ++b.piece_count;
  return static_cast<PieceId>(problem_.pieces_.size() - 1);
}

void ProblemBuilder::add_conflict(PieceId a, PieceId b) {
  const auto& pieces = problem_.pieces_;
  if (a >= pieces.size() || b >= pieces.size()) throw std::out_of_range("conflict names an unknown piece");
  if (pieces[a].buffer == pieces[b].buffer) return;  // a buffer's own pieces never overlap
  edges_.emplace_back(a, b);
  explicit_edges_ = true;
}

void ProblemBuilder::add_lifespan_conflicts() {
  // Sweep over lifespans sorted by start; the active list holds pieces still live.
  const auto& pieces = problem_.pieces_;
  std::vector<PieceId> order(pieces.size());
  for (PieceId i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](PieceId x, PieceId y) {
    return pieces[x].lifespan.lower != pieces[y].lifespan.lower ? pieces[x].lifespan.lower < pieces[y].lifespan.lower
                                                                : x < y;
  });
  std::vector<PieceId> active;
  for (PieceId p : order) {
    const TimeValue now = pieces[p].lifespan.lower;
    std::erase_if(active, [&](PieceId q) { return pieces[q].lifespan.upper <= now; });
    if (pieces[p].lifespan.length() == 0) continue;
    for (PieceId q : active)
      if (pieces[q].buffer != pieces[p].buffer) edges_.emplace_back(q, p);
    active.push_back(p);
  }
  lifespan_conflicts_ = true;
}

Problem ProblemBuilder::build(std::string origin) {
  Problem problem = std::move(problem_);
  problem_ = Problem{};
  problem.origin = std::move(origin);
  const std::size_t n = problem.pieces_.size();
  for (Buffer& buffer : problem.buffers_) {
    if (buffer.piece_count == 0) throw std::invalid_argument(fmt::format("buffer '{}' has no pieces", buffer.name));
    const auto pieces = problem.pieces_of(static_cast<BufferId>(&buffer - problem.buffers_.data()));
    buffer.lifespan = pieces.front().lifespan;
    for (const Piece& piece : pieces) {
      buffer.lifespan.lower = std::min(buffer.lifespan.lower, piece.lifespan.lower);
      buffer.lifespan.upper = std::max(buffer.lifespan.upper, piece.lifespan.upper);
    }
  }
  std::vector<std::pair<PieceId, PieceId>> directed;
  directed.reserve(edges_.size() * 2);
  for (const auto& [a, b] : edges_) {
    directed.emplace_back(a, b);
    directed.emplace_back(b, a);
  }
  edges_.clear();
  edges_.shrink_to_fit();
  std::sort(directed.begin(), directed.end());
  directed.erase(std::unique(directed.begin(), directed.end()), directed.end());
  problem.conflict_begin_.assign(n + 1, 0);
  for (const auto& edge : directed) ++problem.conflict_begin_[edge.first + 1];
  for (std::size_t i = 0; i < n; ++i) problem.conflict_begin_[i + 1] += problem.conflict_begin_[i];
  problem.conflict_targets_.reserve(directed.size());
  for (const auto& edge : directed) problem.conflict_targets_.push_back(edge.second);

  bool one_piece_each = true;
  for (const Buffer& buffer : problem.buffers_) one_piece_each &= buffer.piece_count == 1;
  problem.interval_problem_ = lifespan_conflicts_ && !explicit_edges_ && one_piece_each;
  if (lifespan_conflicts_ && !explicit_edges_) {
    problem.lower_bound = max_live_bytes(problem.pieces_);
    problem.lower_bound_source = "maximum live bytes over time";
  }
  lifespan_conflicts_ = explicit_edges_ = false;
  return problem;
}

Offset max_live_bytes(std::span<const Piece> pieces) {
  std::vector<std::pair<TimeValue, std::int64_t>> events;  // (time, +size / -size); ends sort first
  events.reserve(pieces.size() * 2);
  for (const Piece& piece : pieces) {
    if (piece.lifespan.length() == 0) continue;
    events.emplace_back(piece.lifespan.lower, static_cast<std::int64_t>(piece.size));
    events.emplace_back(piece.lifespan.upper, -static_cast<std::int64_t>(piece.size));
  }
  std::sort(events.begin(), events.end());
  std::int64_t live = 0, peak = 0;
  for (const auto& [time, delta] : events) {
    live += delta;
    peak = std::max(peak, live);
  }
  return static_cast<Offset>(peak);
}

}  // namespace tetris::memmgr
