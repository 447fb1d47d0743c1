// The allocation problem every planner solves: buffers made of pieces, and which pieces conflict.
// A buffer is a rigid shape in address x time (a Tetris piece); conflicting pieces need disjoint addresses.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
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
// Conflict records a problem may hold while it is built: blocks (16 bytes each) plus runs given
// piece by piece (12 bytes each), about 512 MiB here at most. Conflicts cost memory per block,
// never per piece pair, so a problem with 10^9 conflicting pairs in a few million blocks is
// fine. Beyond it build() refuses the problem (InputError) instead of exhausting memory: fewer
// pieces per tensor, or a coarser liveness level, makes it smaller.
inline constexpr std::uint64_t kMaxConflictRecords = std::uint64_t{1} << 25;

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

// Consecutive piece ids [begin, end).
struct PieceRange {
  PieceId begin = 0;
  PieceId end = 0;
  bool operator==(const PieceRange&) const = default;
  std::uint64_t size() const { return end - begin; }
};

// Every piece in `a` conflicts with every piece in `b`: `a` lies in one buffer, `b` in one
// later buffer. A stretch of a cut-up tensor usually conflicts with whole stretches of another,
// so conflicts are stored as such blocks.
struct ConflictBlock {
  PieceRange a, b;
  bool operator==(const ConflictBlock&) const = default;
  std::uint64_t pairs() const { return a.size() * b.size(); }
};

// Immutable once built (see ProblemBuilder). Conflicts are stored as disjoint blocks, so memory
// grows with pieces plus blocks, never with conflicting pairs (ResNet-50 on 16 cores at batch 16
// has 2.4 x 10^9 of those).
class Problem {
 public:
  std::span<const Buffer> buffers() const { return buffers_; }
  std::span<const Piece> pieces() const { return pieces_; }
  std::span<const Piece> pieces_of(BufferId buffer) const {
    return std::span<const Piece>(pieces_).subspan(buffers_[buffer].first_piece, buffers_[buffer].piece_count);
  }
  // Disjoint: each conflicting pair of pieces lies in exactly one block. Sorted by the buffers of
  // a and b, then by a.begin and b.begin.
  std::span<const ConflictBlock> conflict_blocks() const { return blocks_; }
  // Indices into conflict_blocks() of the blocks that involve `buffer` (as a or b), ascending.
  std::span<const std::uint32_t> blocks_of(BufferId buffer) const {
    return std::span<const std::uint32_t>(block_index_)
        .subspan(block_index_begin_[buffer], block_index_begin_[buffer + 1] - block_index_begin_[buffer]);
  }
  BufferId buffer_of(PieceRange range) const { return pieces_[range.begin].buffer; }
  // Pieces of other buffers that conflict with `piece`: ascending, disjoint runs, merged where
  // they touch within one buffer. Computed from the blocks (for tests, files and reports).
  std::vector<PieceRange> conflict_runs(PieceId piece) const;
  bool pieces_conflict(PieceId a, PieceId b) const;
  // Number of conflicting (unordered) piece pairs, and of stored blocks.
  std::uint64_t conflict_count() const { return conflict_count_; }
  std::uint64_t conflict_block_count() const { return blocks_.size(); }
  // Buffers with at least one conflicting piece pair with `buffer`, ascending, and how many
  // conflicting piece pairs each has with it.
  std::vector<std::pair<BufferId, std::uint64_t>> conflict_pairs_by_buffer(BufferId buffer) const;
  std::vector<BufferId> conflicting_buffers(BufferId buffer) const;
  // True when the buffer's pieces, in id order, lie end to end from its base to its end (as
  // liveness analyses cut them). Then a range of its pieces covers one contiguous byte range, so
  // a block, not each pair in it, can be checked against placed ranges.
  bool pieces_contiguous(BufferId buffer) const { return contiguous_[buffer]; }
  // The bytes [first, second) from its buffer's base that a range of pieces of one buffer whose
  // pieces are contiguous covers.
  std::pair<Offset, Offset> extent(PieceRange range) const {
    return {pieces_[range.begin].offset, pieces_[range.end - 1].offset + pieces_[range.end - 1].size};
  }

  // True when every buffer is one piece and two pieces conflict exactly when their lifespans
  // overlap: the case interval-based planners (TFLite, XLA, BFC, MiniMalloc) were written for.
  bool is_interval_problem() const { return interval_problem_; }

  // The most bytes a plan may use, when the user set a limit.
  std::optional<Offset> capacity() const { return capacity_; }
  // No safe plan has a smaller peak: computed by build() from the buffers and conflicts, never
  // taken from outside, because the search stops when it reaches it.
  Offset lower_bound() const { return lower_bound_; }
  const std::string& lower_bound_source() const { return lower_bound_source_; }
  // When the bound is the bytes of pieces that all conflict with each other (the worst
  // consistent cut, cut_bound.h): those pieces, ascending, so a problem file can carry the proof.
  std::span<const PieceId> lower_bound_witness() const { return lower_bound_witness_; }
  const std::string& origin() const { return origin_; }  // what it was built from, for reports

  // The same problem under another capacity (a command-line override); consumes this one, so
  // a problem value itself never changes.
  Problem with_capacity(std::optional<Offset> capacity) &&;
  // The same problem, its bound raised to the bytes of `pieces` when they are more: pieces that
  // pairwise conflict (or share a buffer, whose pieces never overlap) need disjoint addresses.
  // Checked, not trusted (a problem file's witness): throws std::invalid_argument naming the
  // first pair that does not conflict or a piece that does not exist.
  Problem with_witnessed_bound(std::vector<PieceId> pieces, std::string source) &&;

 private:
  friend class ProblemBuilder;
  std::optional<Offset> capacity_;
  Offset lower_bound_ = 0;
  std::string lower_bound_source_;
  std::vector<PieceId> lower_bound_witness_;
  std::string origin_;
  std::vector<Buffer> buffers_;
  std::vector<Piece> pieces_;
  std::vector<ConflictBlock> blocks_;
  std::vector<std::uint64_t> block_index_begin_;  // per buffer, into block_index_
  std::vector<std::uint32_t> block_index_;
  std::vector<bool> contiguous_;  // per buffer, see pieces_contiguous()
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
  // Pieces the caller promises conflict pairwise (a liveness analysis's worst consistent cut,
  // cut_bound.h), and what they are: their bytes bound every plan too. Not checked here.
  std::vector<PieceId> live_together;
  std::string live_together_source;
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
  // Records that every piece in `pieces` (all of one buffer) conflicts with every piece in
  // `others` (pieces of that buffer are skipped), given as |pieces| + |others| runs: any overlap
  // with other conflicts is fine.
  void add_conflict_block(PieceRange pieces, PieceRange others);
  // The same as one stored block, for a producer that promises what build() does not check:
  // `pieces` lies in one buffer and `others` in one other buffer, and no pair of pieces in it is
  // recorded by any other call. (Liveness finds blocks that partition the conflicts.)
  void add_disjoint_conflict_block(PieceRange pieces, PieceRange others);
  // Adds a conflict for every pair of pieces of different buffers whose lifespans overlap.
  void add_lifespan_conflicts();
  std::size_t piece_count() const { return problem_.pieces_.size(); }
  BufferId buffer_of(PieceId piece) const { return problem_.pieces_.at(piece).buffer; }
  // Conflict records held so far (runs and blocks); past record_limit() a producer may stop
  // adding, as build() will refuse the problem.
  std::uint64_t conflict_records() const { return staged_.size() + blocks_.size() + overflow_; }
  std::uint64_t record_limit() const { return record_limit_; }
  // A lower limit than kMaxConflictRecords, e.g. from a memory budget; `reason` completes "more
  // than the N ..." in the refusal.
  void set_record_limit(std::uint64_t limit, std::string reason);
  // What the refusal tells the user to change; by default the options of an analysed trace.
  void set_overflow_remedy(std::string remedy) { overflow_remedy_ = std::move(remedy); }
  static constexpr std::string_view kTraceOverflowRemedy =
      "lower with --partition rows (channel groups cut tensors into many small blocks), coarser blocks (--blocks), "
      "fewer pieces per tensor (--max-pieces), a smaller batch, or a coarser level (--level tensor or topology)";
  // The tensor and topology levels: one piece per block, so only the blocks and the batch count.
  static constexpr std::string_view kBlockOverflowRemedy =
      "lower with --partition rows (channel groups cut tensors into many small blocks), coarser blocks (--blocks), "
      "or a smaller batch";
  void set_capacity(std::optional<Offset> capacity) { problem_.capacity_ = capacity; }

  // Sorts and deduplicates the conflicts and computes the lower bound by `rule`: the most live
  // bytes when overlapping lifespans conflict, the rigid pair bound when asked, and at least the
  // largest buffer when the live bytes do not count. Throws std::invalid_argument when the
  // buffers need more than kMaxProblemBytes together, InputError (naming `origin`) when the
  // conflicts take more than record_limit() records.
  Problem build(std::string origin, const BoundRule& rule = {});

 private:
  Problem problem_;
  struct Entry {  // `run` conflicts with piece `row`
    PieceId row;
    PieceRange run;
  };
  void stage(PieceId row, PieceRange run);
  std::vector<Entry> staged_;
  std::vector<ConflictBlock> blocks_;
  std::uint64_t overflow_ = 0;  // runs not held because the limit was passed
  std::uint64_t record_limit_ = kMaxConflictRecords;
  std::string record_limit_reason_ = "(2^25) a problem may hold";
  std::string overflow_remedy_{kTraceOverflowRemedy};
  bool lifespan_conflicts_ = false;
  bool explicit_edges_ = false;
  std::unordered_set<std::string> names_;
};

// Maximum over time of the summed sizes of pieces whose lifespans contain that time.
Offset max_live_bytes(std::span<const Piece> pieces);
// The pieces live at the earliest time max_live_bytes is reached, ascending (empty without pieces).
std::vector<PieceId> pieces_at_max_live(std::span<const Piece> pieces);

}  // namespace tetris::memmgr
