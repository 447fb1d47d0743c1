#include "memmgr/problem.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "common/input_error.h"

#include "memmgr/collision_table.h"
#include "memmgr/rigid_pair_bound.h"

namespace tetris::memmgr {

bool Problem::pieces_conflict(PieceId a, PieceId b) const {
  const auto runs = conflict_runs(a);
  const auto it = std::upper_bound(runs.begin(), runs.end(), b, [](PieceId v, const PieceRange& r) { return v < r.end; });
  return it != runs.end() && it->begin <= b;
}

std::vector<std::pair<BufferId, std::uint64_t>> Problem::conflict_pairs_by_buffer(BufferId buffer) const {
  std::vector<std::pair<BufferId, std::uint64_t>> parts;
  for (PieceId p = buffers_[buffer].first_piece; p < buffers_[buffer].first_piece + buffers_[buffer].piece_count; ++p)
    for (const PieceRange& run : conflict_runs(p))
      for (PieceId q = run.begin; q < run.end;) {  // one step per buffer the run touches
        const Buffer& other = buffers_[pieces_[q].buffer];
        const PieceId end = std::min(run.end, other.first_piece + other.piece_count);
        parts.emplace_back(pieces_[q].buffer, end - q);
        q = end;
      }
  std::sort(parts.begin(), parts.end());
  std::vector<std::pair<BufferId, std::uint64_t>> result;
  for (const auto& [other, pairs] : parts) {
    if (!result.empty() && result.back().first == other) result.back().second += pairs;
    else result.emplace_back(other, pairs);
  }
  return result;
}

std::vector<BufferId> Problem::conflicting_buffers(BufferId buffer) const {
  std::vector<BufferId> result;
  for (const auto& entry : conflict_pairs_by_buffer(buffer)) result.push_back(entry.first);
  return result;
}

BufferId ProblemBuilder::add_buffer(std::string name, Offset size, Offset alignment) {
  if (size == 0) throw std::invalid_argument(fmt::format("buffer '{}' has size 0", name));
  // Any alignment plans (XLA's tests use 20); files and options ask for a power of two.
  if (alignment == 0 || alignment > kMaxAlignment)
    throw std::invalid_argument(fmt::format("buffer '{}' has alignment {}: it must be 1 to 2^40", name, alignment));
  if (!names_.insert(name).second) throw std::invalid_argument(fmt::format("buffer '{}' is listed twice", name));
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
  ++pairs_;
  explicit_edges_ = true;
}

void ProblemBuilder::add_conflicts(PieceId piece, PieceRange others) {
  const auto& pieces = problem_.pieces_;
  if (piece >= pieces.size() || others.begin > others.end || others.end > pieces.size())
    throw std::out_of_range("conflict names an unknown piece");
  const Buffer& own = problem_.buffers_[pieces[piece].buffer];
  const PieceId own_begin = own.first_piece, own_end = own.first_piece + own.piece_count;
  const PieceRange below{others.begin, std::min(others.end, own_begin)};
  const PieceRange above{std::max(others.begin, own_end), others.end};
  for (const PieceRange& part : {below, above})
    if (part.begin < part.end) ranges_.emplace_back(piece, part), pairs_ += part.end - part.begin;
  explicit_edges_ = true;
}

namespace {

// Calls visit(q, p) for every two pieces of different buffers whose lifespans overlap (q started
// first), by a sweep over lifespans sorted by start; stops when visit returns false.
template <typename Visit>
bool for_each_overlapping_pair(std::span<const Piece> pieces, Visit visit) {
  std::vector<PieceId> order(pieces.size());
  for (PieceId i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](PieceId x, PieceId y) {
    return pieces[x].lifespan.lower != pieces[y].lifespan.lower ? pieces[x].lifespan.lower < pieces[y].lifespan.lower
                                                                : x < y;
  });
  std::vector<PieceId> active;  // pieces still live
  for (PieceId p : order) {
    const TimeValue now = pieces[p].lifespan.lower;
    std::erase_if(active, [&](PieceId q) { return pieces[q].lifespan.upper <= now; });
    if (pieces[p].lifespan.length() == 0) continue;
    for (PieceId q : active)
      if (pieces[q].buffer != pieces[p].buffer && !visit(q, p)) return false;
    active.push_back(p);
  }
  return true;
}

}  // namespace

void ProblemBuilder::add_lifespan_conflicts() {
  for_each_overlapping_pair(problem_.pieces_, [&](PieceId q, PieceId p) {
    edges_.emplace_back(q, p);
    return ++pairs_ <= kMaxConflictPairs;
  });
  lifespan_conflicts_ = true;
}

Problem Problem::with_capacity(std::optional<Offset> capacity) && {
  Problem problem = std::move(*this);
  problem.capacity_ = capacity;
  return problem;
}

namespace {

// Whether every two pieces of different buffers whose lifespans overlap conflict (each
// overlapping pair looked up in the conflict runs).
bool overlapping_lifespans_conflict(const Problem& problem) {
  return for_each_overlapping_pair(problem.pieces(), [&](PieceId q, PieceId p) { return problem.pieces_conflict(p, q); });
}

}  // namespace

Problem ProblemBuilder::build(std::string origin, const BoundRule& rule) {
  Problem problem = std::move(problem_);
  problem_ = Problem{};
  problem.origin_ = std::move(origin);
  const std::size_t n = problem.pieces_.size();
  Offset total = 0;
  for (const Buffer& buffer : problem.buffers_) {
    if (buffer.size > kMaxProblemBytes - total || buffer.alignment > kMaxProblemBytes)
      throw std::invalid_argument(fmt::format("the buffers need more than 2^60 bytes in all (at '{}', {} bytes)",
                                              buffer.name, buffer.size));
    total += buffer.size;
  }
  for (Buffer& buffer : problem.buffers_) {
    if (buffer.piece_count == 0) throw std::invalid_argument(fmt::format("buffer '{}' has no pieces", buffer.name));
    const auto pieces = problem.pieces_of(static_cast<BufferId>(&buffer - problem.buffers_.data()));
    buffer.lifespan = pieces.front().lifespan;
    for (const Piece& piece : pieces) {
      buffer.lifespan.lower = std::min(buffer.lifespan.lower, piece.lifespan.lower);
      buffer.lifespan.upper = std::max(buffer.lifespan.upper, piece.lifespan.upper);
    }
  }
  // Every conflict arrives as a run (p, [begin, end)): p's own row gets the run as it is; the
  // pieces of the run each get p. With the runs sorted by p, those received entries land in each
  // row already in ascending order, so a row is a merge of two sorted lists: no sort over pairs.
  // The received lists are the only expanded storage, 4 bytes per conflicting pair.
  const std::uint64_t pairs = pairs_;
  pairs_ = 0;
  names_.clear();
  if (pairs > kMaxConflictPairs)
    throw InputError({problem.origin_},
                     fmt::format("{} or more conflicting piece pairs, more than the {} (2^28, 4 bytes each) a plan may "
                                 "hold: use fewer pieces per tensor (--max-pieces), coarser blocks (--blocks), "
                                 "or a coarser level (--level tensor or topology)",
                                 pairs, kMaxConflictPairs));
  for (const auto& [a, b] : edges_) ranges_.emplace_back(a, PieceRange{b, b + 1});
  edges_ = {};
  std::sort(ranges_.begin(), ranges_.end(), [](const auto& x, const auto& y) {
    return x.first != y.first ? x.first < y.first : x.second.begin < y.second.begin;
  });
  std::vector<std::uint64_t> start(n + 1, 0);
  for (const auto& [p, range] : ranges_)
    for (PieceId q = range.begin; q < range.end; ++q) ++start[q + 1];
  for (std::size_t i = 0; i < n; ++i) start[i + 1] += start[i];
  std::vector<PieceId> received(start[n]);
  {
    std::vector<std::uint64_t> cursor(start.begin(), start.end() - 1);
    for (const auto& [p, range] : ranges_)
      for (PieceId q = range.begin; q < range.end; ++q) received[cursor[q]++] = p;
  }
  problem.conflict_begin_.assign(n + 1, 0);
  auto& runs = problem.conflict_runs_;
  std::uint64_t directed = 0;
  const auto append = [&](std::size_t row, PieceRange r) {  // r.begin never decreases within a row
    if (runs.size() > problem.conflict_begin_[row] && runs.back().end >= r.begin) {
      if (r.end > runs.back().end) directed += r.end - runs.back().end, runs.back().end = r.end;
    } else {
      runs.push_back(r);
      directed += r.end - r.begin;
    }
  };
  std::size_t own = 0;  // next run of ranges_ (sorted by p)
  for (std::size_t p = 0; p < n; ++p) {
    std::uint64_t next = start[p];
    for (; own < ranges_.size() && ranges_[own].first == p; ++own) {
      for (; next < start[p + 1] && received[next] < ranges_[own].second.begin; ++next)
        append(p, {received[next], received[next] + 1});
      append(p, ranges_[own].second);
    }
    for (; next < start[p + 1]; ++next) append(p, {received[next], received[next] + 1});
    problem.conflict_begin_[p + 1] = runs.size();
  }
  ranges_ = {};
  runs.shrink_to_fit();
  problem.conflict_count_ = directed / 2;

  bool one_piece_each = true;
  for (const Buffer& buffer : problem.buffers_) one_piece_each &= buffer.piece_count == 1;
  problem.interval_problem_ = lifespan_conflicts_ && !explicit_edges_ && one_piece_each;
  const bool live_bytes_count =
      rule.lifespans_conflict || lifespan_conflicts_ || overlapping_lifespans_conflict(problem);
  lifespan_conflicts_ = explicit_edges_ = false;
  const auto sourced = [&](std::string_view what) {
    return rule.level.empty() ? std::string(what) : fmt::format("{}: {}", rule.level, what);
  };
  if (live_bytes_count) {
    problem.lower_bound_ = max_live_bytes(problem.pieces_);
    problem.lower_bound_source_ = sourced(rule.live_bytes);
  } else {
    for (const Buffer& buffer : problem.buffers_)
      if (buffer.size > problem.lower_bound_) {
        problem.lower_bound_ = buffer.size;
        problem.lower_bound_source_ = sourced(fmt::format("the largest buffer, '{}'", buffer.name));
      }
  }
  if (rule.rigid_pairs)
    if (const auto pair = rigid_pair_bound(problem, CollisionTable(problem), problem.lower_bound_)) {
      problem.lower_bound_source_ = sourced(fmt::format(
          "the narrowest span rigid buffers {} and {} can share{} (above the {}, {})", problem.buffers_[pair->a].name,
          problem.buffers_[pair->b].name,
          pair->apart.empty() ? "" : fmt::format(", plus {} buffers that must lie apart from both", pair->apart.size()),
          live_bytes_count ? "maximum live bytes" : "largest buffer", problem.lower_bound_));
      problem.lower_bound_ = pair->bytes;
    }
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
