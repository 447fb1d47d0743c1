#include "memmgr/problem.h"

#include <algorithm>
#include <stdexcept>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "common/input_error.h"

#include "memmgr/collision_table.h"
#include "memmgr/clique_bound.h"
#include "memmgr/rigid_pair_bound.h"

namespace tetris::memmgr {

namespace {

bool contains(PieceRange range, PieceId piece) { return range.begin <= piece && piece < range.end; }

}  // namespace

bool Problem::pieces_conflict(PieceId a, PieceId b) const {
  if (a > b) std::swap(a, b);
  const BufferId x = pieces_[a].buffer, y = pieces_[b].buffer;
  // Blocks are sorted by (buffer of a, buffer of b, ...): find the pair's stretch.
  const auto first = std::lower_bound(blocks_.begin(), blocks_.end(), std::pair{x, y}, [&](const ConflictBlock& c, const auto& key) {
    return std::pair{buffer_of(c.a), buffer_of(c.b)} < key;
  });
  for (auto it = first; it != blocks_.end() && buffer_of(it->a) == x && buffer_of(it->b) == y; ++it)
    if (contains(it->a, a) && contains(it->b, b)) return true;
  return false;
}

std::vector<PieceRange> Problem::conflict_runs(PieceId piece) const {
  std::vector<PieceRange> runs;
  for (const std::uint32_t i : blocks_of(pieces_[piece].buffer)) {
    const ConflictBlock& c = blocks_[i];
    if (contains(c.a, piece)) runs.push_back(c.b);
    else if (contains(c.b, piece)) runs.push_back(c.a);
  }
  std::sort(runs.begin(), runs.end(), [](const PieceRange& x, const PieceRange& y) { return x.begin < y.begin; });
  // Touching runs of one buffer join, and so do overlapping ones: a problem file may list a pair
  // twice (once alone, once in a row of several buffers' pieces), and a piece counted in two runs
  // would count twice wherever runs are counted (a witness's check, clique_bound.h).
  std::vector<PieceRange> merged;
  for (const PieceRange& r : runs) {
    if (!merged.empty() && merged.back().end >= r.begin && pieces_[r.begin].buffer == pieces_[merged.back().begin].buffer)
      merged.back().end = std::max(merged.back().end, r.end);
    else
      merged.push_back(r);
  }
  return merged;
}

std::vector<std::pair<BufferId, std::uint64_t>> Problem::conflict_pairs_by_buffer(BufferId buffer) const {
  std::vector<std::pair<BufferId, std::uint64_t>> parts;
  for (const std::uint32_t i : blocks_of(buffer)) {
    const ConflictBlock& c = blocks_[i];
    parts.emplace_back(buffer_of(c.a) == buffer ? buffer_of(c.b) : buffer_of(c.a), c.pairs());
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
  stage(a, {b, b + 1});
  stage(b, {a, a + 1});
  explicit_edges_ = true;
}

void ProblemBuilder::set_record_limit(std::uint64_t limit, std::string reason) {
  record_limit_ = limit;
  record_limit_reason_ = std::move(reason);
}

void ProblemBuilder::stage(PieceId row, PieceRange run) {
  if (conflict_records() > record_limit_) ++overflow_;  // build() refuses it; memory stays bounded
  else staged_.push_back({row, run});
}

void ProblemBuilder::add_conflicts(PieceId piece, PieceRange others) { add_conflict_block({piece, piece + 1}, others); }

void ProblemBuilder::add_conflict_block(PieceRange own, PieceRange others) {
  const auto& pieces = problem_.pieces_;
  if (own.begin >= own.end || own.end > pieces.size() || others.begin > others.end || others.end > pieces.size())
    throw std::out_of_range("conflict names an unknown piece");
  const Buffer& buffer = problem_.buffers_[pieces[own.begin].buffer];
  const PieceRange mine{buffer.first_piece, buffer.first_piece + buffer.piece_count};
  if (own.end > mine.end) throw std::invalid_argument("a conflict block's pieces must be of one buffer");
  const PieceRange below{others.begin, std::min(others.end, mine.begin)};
  const PieceRange above{std::max(others.begin, mine.end), others.end};
  for (const PieceRange& part : {below, above})
    if (part.begin < part.end) {
      for (PieceId p = own.begin; p < own.end; ++p) stage(p, part);
      for (PieceId q = part.begin; q < part.end; ++q) stage(q, own);
    }
  explicit_edges_ = true;
}

void ProblemBuilder::add_disjoint_conflict_block(PieceRange own, PieceRange others) {
  const auto& pieces = problem_.pieces_;
  if (own.begin >= own.end || own.end > pieces.size() || others.begin >= others.end || others.end > pieces.size())
    throw std::out_of_range("conflict names an unknown piece");
  const BufferId x = pieces[own.begin].buffer, y = pieces[others.begin].buffer;
  if (pieces[own.end - 1].buffer != x || pieces[others.end - 1].buffer != y || x == y)
    throw std::invalid_argument("a conflict block joins pieces of one buffer to pieces of one other buffer");
  if (conflict_records() > record_limit_) ++overflow_;
  else blocks_.push_back(x < y ? ConflictBlock{own, others} : ConflictBlock{others, own});
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
  // Each pair once, in the row of its lower piece: build() keeps only a row's later pieces, so
  // the other half would be staged, sorted and dropped (and count against the record limit).
  for_each_overlapping_pair(problem_.pieces_, [&](PieceId q, PieceId p) {
    stage(std::min(p, q), {std::max(p, q), std::max(p, q) + 1});
    return conflict_records() <= record_limit_;
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
  // Runs given piece by piece (a block given as runs gave each own piece the run `others` and
  // each other piece the run `own`) are sorted into rows by a counting pass and merged; each
  // merged run then becomes one block (the piece x the part of the run inside one later
  // buffer), so each pair is stored once. Blocks given as such are kept as they are.
  const std::uint64_t records = conflict_records();
  overflow_ = 0;
  names_.clear();
  if (records > record_limit_)
    throw InputError({problem.origin_},
                     fmt::format("{} or more conflict blocks and runs, more than the {} {}: {}", records, record_limit_,
                                 record_limit_reason_, overflow_remedy_));
  record_limit_ = kMaxConflictRecords;
  record_limit_reason_ = "(2^25) a problem may hold";
  overflow_remedy_ = kTraceOverflowRemedy;
  auto& blocks = problem.blocks_;
  blocks = std::move(blocks_);
  blocks_ = {};
  const auto buffer_of = [&](PieceId piece) { return problem.pieces_[piece].buffer; };
  {
    std::vector<std::uint64_t> start(n + 1, 0);
    for (const Entry& entry : staged_) ++start[entry.row + 1];
    for (std::size_t i = 0; i < n; ++i) start[i + 1] += start[i];
    std::vector<PieceRange> entries(start[n]);
    {
      std::vector<std::uint64_t> cursor(start.begin(), start.end() - 1);
      for (const Entry& entry : staged_) entries[cursor[entry.row]++] = entry.run;
    }
    staged_ = {};
    std::vector<PieceRange> row_runs;
    for (PieceId p = 0; p < n; ++p) {
      const auto row = std::span<PieceRange>(entries).subspan(start[p], start[p + 1] - start[p]);
      std::sort(row.begin(), row.end(), [](const PieceRange& x, const PieceRange& y) {
        return x.begin != y.begin ? x.begin < y.begin : x.end < y.end;
      });
      row_runs.clear();
      for (const PieceRange& r : row) {
        if (!row_runs.empty() && row_runs.back().end >= r.begin) row_runs.back().end = std::max(row_runs.back().end, r.end);
        else row_runs.push_back(r);
      }
      for (const PieceRange& r : row_runs)  // the later pieces only, one block per buffer they lie in
        for (PieceId q = std::max(r.begin, p + 1); q < r.end;) {
          const Buffer& other = problem.buffers_[buffer_of(q)];
          const PieceId end = std::min(r.end, other.first_piece + other.piece_count);
          blocks.push_back({{p, p + 1}, {q, end}});
          q = end;
        }
    }
  }
  const auto by_buffers = [&](const ConflictBlock& x, const ConflictBlock& y) {
    const auto key = [&](const ConflictBlock& c) { return std::tuple{buffer_of(c.a.begin), buffer_of(c.b.begin), c.a.begin, c.b.begin}; };
    return key(x) < key(y);
  };
  // One-piece buffers given by rows (an interval problem) come out of the rows in this order
  // already: a 10^5-buffer problem spent an eighth of its set-up sorting them again.
  if (!std::is_sorted(blocks.begin(), blocks.end(), by_buffers)) std::sort(blocks.begin(), blocks.end(), by_buffers);
  blocks.shrink_to_fit();
  problem.conflict_count_ = 0;
  problem.block_index_begin_.assign(problem.buffers_.size() + 1, 0);
  for (const ConflictBlock& c : blocks) {
    problem.conflict_count_ += c.pairs();
    ++problem.block_index_begin_[buffer_of(c.a.begin) + 1];
    ++problem.block_index_begin_[buffer_of(c.b.begin) + 1];
  }
  for (std::size_t b = 0; b < problem.buffers_.size(); ++b) problem.block_index_begin_[b + 1] += problem.block_index_begin_[b];
  problem.block_index_.resize(problem.block_index_begin_.back());
  {
    std::vector<std::uint64_t> cursor(problem.block_index_begin_.begin(), problem.block_index_begin_.end() - 1);
    for (std::uint32_t i = 0; i < blocks.size(); ++i) {
      problem.block_index_[cursor[buffer_of(blocks[i].a.begin)]++] = i;
      problem.block_index_[cursor[buffer_of(blocks[i].b.begin)]++] = i;
    }
  }
  problem.contiguous_.assign(problem.buffers_.size(), true);
  for (BufferId b = 0; b < problem.buffers_.size(); ++b) {
    Offset end = 0;
    for (const Piece& piece : problem.pieces_of(b)) {
      if (piece.offset != end) problem.contiguous_[b] = false;
      end = piece.offset + piece.size;
    }
    if (end != problem.buffers_[b].size) problem.contiguous_[b] = false;
  }

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
  // Pieces that pairwise conflict need disjoint addresses: the cut's pieces, or those alive at
  // the peak, are such a set, and pieces that conflict pairwise without ever being alive together
  // can outweigh it (clique_bound.h). On an interval problem the peak's pieces already weigh most.
  std::string witness_name = "worst consistent cut";  // what the witness is, once there is one
  std::vector<PieceId> start = rule.live_together;
  std::string start_source = rule.live_together_source;
  Offset start_bytes = 0;
  for (const PieceId p : start) start_bytes += problem.pieces_.at(p).size;
  if (start_bytes > problem.lower_bound_) {
    problem.lower_bound_ = start_bytes;
    problem.lower_bound_source_ = sourced(start_source);
    problem.lower_bound_witness_ = start;
    std::sort(problem.lower_bound_witness_.begin(), problem.lower_bound_witness_.end());
  } else if (live_bytes_count && !problem.interval_problem_) {
    start = pieces_at_max_live(problem.pieces_);
    start_source = "pieces alive at the maximum";
    start_bytes = problem.lower_bound_;
  }
  if (!start.empty()) {
    Clique clique = heavier_clique(problem, start);
    if (clique.bytes > problem.lower_bound_) {
      problem.lower_bound_ = clique.bytes;
      problem.lower_bound_source_ = sourced(fmt::format("{} pieces that pairwise conflict, grown from the {} ({} bytes)",
                                                        clique.pieces.size(), start_source, start_bytes));
      problem.lower_bound_witness_ = std::move(clique.pieces);
      witness_name = "pieces that pairwise conflict";
    }
  }
  if (rule.rigid_pairs)
    if (const auto pair = rigid_pair_bound(problem, CollisionTable(problem), problem.lower_bound_)) {
      problem.lower_bound_source_ = sourced(fmt::format(
          "the narrowest span rigid buffers {} and {} can share{} (above the {}, {})", problem.buffers_[pair->a].name,
          problem.buffers_[pair->b].name,
          pair->apart.empty() ? "" : fmt::format(", plus {} buffers that must lie apart from both", pair->apart.size()),
          !problem.lower_bound_witness_.empty() ? witness_name
          : live_bytes_count                     ? "maximum live bytes"
                                                 : "largest buffer",
          problem.lower_bound_));
      problem.lower_bound_ = pair->bytes;
      problem.lower_bound_witness_.clear();
    }
  return problem;
}

Problem Problem::with_witnessed_bound(std::vector<PieceId> pieces, std::string source) && {
  std::sort(pieces.begin(), pieces.end());
  pieces.erase(std::unique(pieces.begin(), pieces.end()), pieces.end());
  Offset bytes = 0;
  for (const PieceId p : pieces) {
    if (p >= pieces_.size())
      throw std::invalid_argument(fmt::format("piece {} does not exist ({} pieces)", p, pieces_.size()));
    bytes += pieces_[p].size;
  }
  // Witness pieces in [begin, end): a buffer's pieces and a conflict run are such id ranges.
  const auto count_in = [&](PieceId begin, PieceId end) {
    return static_cast<std::size_t>(std::lower_bound(pieces.begin(), pieces.end(), end) -
                                    std::lower_bound(pieces.begin(), pieces.end(), begin));
  };
  // Each piece must conflict with every witness piece of another buffer: count those inside its
  // conflict runs (disjoint, so none twice), by binary search in the sorted witness. That is
  // linear in the runs, not quadratic in the witness, so a long list in a file cannot stall it.
  for (const PieceId p : pieces) {
    std::size_t met = 0;
    for (const PieceRange& run : conflict_runs(p)) met += count_in(run.begin, run.end);
    const Buffer& own = buffers_[pieces_[p].buffer];
    if (met == pieces.size() - count_in(own.first_piece, own.first_piece + own.piece_count)) continue;
    for (const PieceId q : pieces)  // name the first one it misses
      if (pieces_[q].buffer != pieces_[p].buffer && !pieces_conflict(p, q))
        throw std::invalid_argument(fmt::format("pieces {} and {} do not conflict, so they prove nothing together",
                                                std::min(p, q), std::max(p, q)));
  }
  if (bytes > lower_bound_) {
    lower_bound_ = bytes;
    lower_bound_source_ = std::move(source);
    lower_bound_witness_ = std::move(pieces);
  }
  return std::move(*this);
}

namespace {

// The highest sum of live sizes over time, and the earliest time it is reached (none without a
// live piece): ends sort before starts at the same time, as lifespans are half-open.
std::pair<Offset, std::optional<TimeValue>> live_peak(std::span<const Piece> pieces) {
  std::vector<std::pair<TimeValue, std::int64_t>> events;  // (time, +size / -size)
  events.reserve(pieces.size() * 2);
  for (const Piece& piece : pieces) {
    if (piece.lifespan.length() == 0) continue;
    events.emplace_back(piece.lifespan.lower, static_cast<std::int64_t>(piece.size));
    events.emplace_back(piece.lifespan.upper, -static_cast<std::int64_t>(piece.size));
  }
  std::sort(events.begin(), events.end());
  std::int64_t live = 0, peak = 0;
  std::optional<TimeValue> at;
  for (const auto& [time, delta] : events) {
    live += delta;
    if (live > peak) peak = live, at = time;
  }
  return {static_cast<Offset>(peak), at};
}

}  // namespace

Offset max_live_bytes(std::span<const Piece> pieces) { return live_peak(pieces).first; }

std::vector<PieceId> pieces_at_max_live(std::span<const Piece> pieces) {
  const std::optional<TimeValue> at = live_peak(pieces).second;
  std::vector<PieceId> out;
  if (!at) return out;
  for (PieceId id = 0; id < pieces.size(); ++id)
    if (pieces[id].lifespan.length() != 0 && pieces[id].lifespan.lower <= *at && *at < pieces[id].lifespan.upper)
      out.push_back(id);
  return out;
}

}  // namespace tetris::memmgr
