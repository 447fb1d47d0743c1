// The allocation problem every planner solves: buffers made of pieces, and which pieces conflict.
// A buffer is a rigid shape in address x time (a Tetris piece); conflicting pieces need disjoint addresses.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

namespace tetris::memmgr {

using Offset = std::uint64_t;
using TimeValue = std::uint64_t;
using BufferId = std::uint32_t;
using PieceId = std::uint32_t;

// The most bytes all buffers of a problem may need together: bases never exceed the sum of the
// sizes, so every base, end and displacement between two buffers stays far inside int64.
inline constexpr Offset kMaxProblemBytes = Offset{1} << 60;
// A base alignment beyond 1 TiB is a typo, not a machine.
inline constexpr Offset kMaxAlignment = Offset{1} << 40;
// Conflicting piece pairs a problem may hold: 4 bytes each once built (1 GiB here), and the
// planners visit each. Beyond it build() refuses the problem (InputError) instead of exhausting
// memory: fewer pieces per tensor, or a coarser liveness level, makes it smaller.
inline constexpr std::uint64_t kMaxConflictPairs = std::uint64_t{1} << 28;

// Half-open [lower, upper) in the problem's linear time: layer steps at topology level, positions
// in an interleaving consistent with happens-before at instruction level. Interval baselines and
// pictures use it; safety is decided by the conflict lists alone.
struct Lifespan {
  TimeValue lower = 0;
  TimeValue upper = 0;

  bool overlaps(const Lifespan& other) const { return lower < other.upper && other.lower < upper; }
  TimeValue length() const { return upper - lower; }
};

// A byte range of a buffer with its own lifetime.
struct Piece {
  BufferId buffer = 0;
  Offset offset = 0;  // from the buffer's base
  Offset size = 0;
  Lifespan lifespan;
};

// Placed contiguously at one base offset, a multiple of `alignment`.
struct Buffer {
  std::string name;
  Offset size = 0;
  Offset alignment = 1;
  PieceId first_piece = 0;
  std::uint32_t piece_count = 0;
  Lifespan lifespan;  // hull of its pieces' lifespans
};

// Consecutive piece ids [begin, end). A piece of a cut-up tensor usually conflicts with a whole
// stretch of another tensor's pieces, so conflicts are stored as such runs.
struct PieceRange {
  PieceId begin = 0;
  PieceId end = 0;
  bool operator==(const PieceRange&) const = default;
};

// Immutable once built (see ProblemBuilder). Conflicts are stored per piece as sorted runs of
// piece ids (compressed rows), so memory grows with pieces plus runs, never pieces squared.
class Problem {
 public:
  std::span<const Buffer> buffers() const { return buffers_; }
  std::span<const Piece> pieces() const { return pieces_; }
  std::span<const Piece> pieces_of(BufferId buffer) const {
    return std::span<const Piece>(pieces_).subspan(buffers_[buffer].first_piece, buffers_[buffer].piece_count);
  }
  // Pieces of other buffers that conflict with `piece`: ascending, disjoint, non-adjacent runs.
  std::span<const PieceRange> conflict_runs(PieceId piece) const {
    return std::span<const PieceRange>(conflict_runs_)
        .subspan(conflict_begin_[piece], conflict_begin_[piece + 1] - conflict_begin_[piece]);
  }
  bool pieces_conflict(PieceId a, PieceId b) const;
  // Number of conflicting (unordered) piece pairs, and of stored runs.
  std::uint64_t conflict_count() const { return conflict_count_; }
  std::uint64_t conflict_run_count() const { return conflict_runs_.size(); }
  // Buffers with at least one conflicting piece pair with `buffer`, ascending, and how many
  // conflicting piece pairs each has with it.
  std::vector<std::pair<BufferId, std::uint64_t>> conflict_pairs_by_buffer(BufferId buffer) const;
  std::vector<BufferId> conflicting_buffers(BufferId buffer) const;

  // True when every buffer is one piece and two pieces conflict exactly when their lifespans
  // overlap: the case interval-based planners (TFLite, XLA, BFC, MiniMalloc) were written for.
  bool is_interval_problem() const { return interval_problem_; }

  // The most bytes a plan may use, when the user set a limit.
  std::optional<Offset> capacity() const { return capacity_; }
  // No safe plan has a smaller peak: computed by build() from the buffers and conflicts, never
  // taken from outside, because the search stops when it reaches it.
  Offset lower_bound() const { return lower_bound_; }
  const std::string& lower_bound_source() const { return lower_bound_source_; }
  const std::string& origin() const { return origin_; }  // what it was built from, for reports

  // The same problem under another capacity (a command-line override); consumes this one, so
  // a problem value itself never changes.
  Problem with_capacity(std::optional<Offset> capacity) &&;

 private:
  friend class ProblemBuilder;
  std::optional<Offset> capacity_;
  Offset lower_bound_ = 0;
  std::string lower_bound_source_;
  std::string origin_;
  std::vector<Buffer> buffers_;
  std::vector<Piece> pieces_;
  std::vector<std::uint64_t> conflict_begin_;
  std::vector<PieceRange> conflict_runs_;
  std::uint64_t conflict_count_ = 0;
  bool interval_problem_ = false;
};

// How ProblemBuilder::build bounds every plan's peak from below.
struct BoundRule {
  // The builder's caller promises that pieces of different buffers whose lifespans overlap
  // conflict (liveness analyses do by construction), so the most live bytes at any time bound
  // every plan. Without the promise (a problem read from a file) build() checks it, and counts
  // the live bytes only when it holds; add_lifespan_conflicts() makes it true.
  bool lifespans_conflict = false;
  // Also the rigid pair bound (rigid_pair_bound.h): it costs a collision table, and matters where
  // pieces of one buffer die apart (instruction-level problems).
  bool rigid_pairs = false;
  // For lower_bound_source(): the level the problem comes from ("topology level"), and what the
  // live bytes are maximised over.
  std::string level;
  std::string live_bytes = "maximum live bytes over time";
};

class ProblemBuilder {
 public:
  BufferId add_buffer(std::string name, Offset size, Offset alignment = 1);
  // Pieces of a buffer must be added right after it, in any byte order, within its size.
  PieceId add_piece(BufferId buffer, Offset offset, Offset size, Lifespan lifespan);
  // Records that two pieces (of different buffers) may be live at the same time.
  void add_conflict(PieceId a, PieceId b);
  // Records that `piece` conflicts with each piece in `others` (pieces of its own buffer are skipped).
  void add_conflicts(PieceId piece, PieceRange others);
  // Adds a conflict for every pair of pieces of different buffers whose lifespans overlap.
  void add_lifespan_conflicts();
  std::size_t piece_count() const { return problem_.pieces_.size(); }
  BufferId buffer_of(PieceId piece) const { return problem_.pieces_.at(piece).buffer; }
  // Conflicting pairs added so far (an upper bound: repeats count again); past kMaxConflictPairs
  // a producer may stop adding, as build() will refuse the problem.
  std::uint64_t conflict_pairs() const { return pairs_; }
  void set_capacity(std::optional<Offset> capacity) { problem_.capacity_ = capacity; }

  // Sorts and deduplicates the conflicts and computes the lower bound by `rule`: the most live
  // bytes when overlapping lifespans conflict, the rigid pair bound when asked, and at least the
  // largest buffer when the live bytes do not count. Throws std::invalid_argument when the
  // buffers need more than kMaxProblemBytes together, InputError (naming `origin`) when the
  // conflicts are more than kMaxConflictPairs.
  Problem build(std::string origin, const BoundRule& rule = {});

 private:
  Problem problem_;
  std::vector<std::pair<PieceId, PieceId>> edges_;
  std::vector<std::pair<PieceId, PieceRange>> ranges_;
  bool lifespan_conflicts_ = false;
  bool explicit_edges_ = false;
  std::unordered_set<std::string> names_;
  std::uint64_t pairs_ = 0;
};

// Maximum over time of the summed sizes of pieces whose lifespans contain that time.
Offset max_live_bytes(std::span<const Piece> pieces);

}  // namespace tetris::memmgr
