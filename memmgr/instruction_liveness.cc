#include "memmgr/instruction_liveness.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <optional>
#include <queue>
#include <span>
#include <tuple>

#include <fmt/format.h>

#include "common/input_error.h"
#include "common/memory_budget.h"
#include "memmgr/cut_bound.h"
#include "memmgr/topology_liveness.h"

namespace tetris::memmgr {
namespace {

constexpr std::uint32_t kNever = std::numeric_limits<std::uint32_t>::max();
// Cut points beyond this many per tensor are thinned before lifetimes are gathered (bounds the
// gathering cost for pathological traces; lowered CNNs stay far below it).
constexpr std::size_t kMaxSegmentsPerTensor = 16384;

struct Access {
  std::uint64_t begin, end;
  InstructionRef at;
  bool write;
};

// What a byte segment's accesses say about its lifetime, per core:
//   last[c]     = 1 + the highest index of an access on core c (0: none; kNever: read at the end);
//   frontier[c] = the lowest, over its writes w, of the count of core c's instructions that
//                 happen before w (kNever: never written).
// Then every access of A happens before every write of B exactly when last_A[c] <= frontier_B[c]
// for every core c.
// Its positions in the interleaving (HappensBefore::position).
struct Positions {
  std::uint64_t first_position = std::numeric_limits<std::uint64_t>::max();  // first write
  std::uint64_t last_position = 0;                                            // last access
  std::uint64_t settled = std::numeric_limits<std::uint64_t>::max();  // every position below it ≺ all writes
  std::optional<InstructionRef> first_write;                          // the write at first_position
  bool accessed = false;

  void merge(const Positions& o) {
    if (o.first_position < first_position) first_write = o.first_write;
    first_position = std::min(first_position, o.first_position);
    last_position = std::max(last_position, o.last_position);
    settled = std::min(settled, o.settled);
    accessed |= o.accessed;
  }
};
struct Lifetime : Positions {
  std::vector<std::uint32_t> last, frontier;

  explicit Lifetime(std::uint32_t cores) : last(cores, 0), frontier(cores, kNever) {}
  bool same_order(const Lifetime& o) const { return last == o.last && frontier == o.frontier; }
  void merge(const Lifetime& o) {
    for (std::size_t c = 0; c < last.size(); ++c) {
      last[c] = std::max(last[c], o.last[c]);
      frontier[c] = std::min(frontier[c], o.frontier[c]);
    }
    Positions::merge(o);
  }
};

// The lifetimes of all pieces, with their per-core counts in one array: two vectors a piece took
// 358 MB for the 1.16 M pieces of ResNet-50 / 16 cores / p2p at batch 64, this 195 MB.
class PieceLifetimes {
 public:
  explicit PieceLifetimes(std::uint32_t cores) : cores_(cores) {}
  // What one piece holds here (also in the analysis's memory estimate).
  static std::uint64_t bytes_per_piece(std::uint32_t cores) { return sizeof(Positions) + 8 * std::uint64_t{cores}; }

  void push_back(const Lifetime& life) {
    positions_.push_back(life);
    counts_.insert(counts_.end(), life.last.begin(), life.last.end());
    counts_.insert(counts_.end(), life.frontier.begin(), life.frontier.end());
  }
  std::size_t size() const { return positions_.size(); }
  std::uint32_t cores() const { return cores_; }
  const Positions& operator[](PieceId p) const { return positions_[p]; }
  const std::uint32_t* last(PieceId p) const { return counts_.data() + 2 * std::size_t{cores_} * p; }
  const std::uint32_t* frontier(PieceId p) const { return last(p) + cores_; }
  // Every access of a happens before every write of b.
  bool ordered(PieceId a, PieceId b) const {
    const std::uint32_t *x = last(a), *y = frontier(b);
    for (std::uint32_t c = 0; c < cores_; ++c)
      if (x[c] > y[c]) return false;
    return true;
  }

 private:
  std::uint32_t cores_;
  std::vector<Positions> positions_;
  std::vector<std::uint32_t> counts_;  // per piece: last, then frontier, cores_ each
};

struct Segment {
  std::uint64_t begin, end;
  Lifetime life;
};

// The cores that access a piece, as a bit set (cores beyond 64 share bits: only a heuristic).
std::uint64_t accessing_cores(const Lifetime& life) {
  std::uint64_t set = 0;
  for (std::size_t c = 0; c < life.last.size(); ++c)
    if (life.last[c] != 0) set |= std::uint64_t{1} << (c % 64);
  return set;
}

// How much merging two neighbours loses: pieces touched by different cores (a band boundary)
// cost most, then the growth of the live window in the interleaving.
double merge_cost(const Segment& a, const Segment& b) {
  const Lifetime& x = a.life;
  const Lifetime& y = b.life;
  const auto span = [](const Lifetime& l) {
    return l.first_position <= l.last_position ? static_cast<double>(l.last_position - l.first_position) : 0.0;
  };
  Lifetime merged = x;
  merged.merge(y);
  const double growth = span(merged) - std::max(span(x), span(y));
  const double core_penalty = accessing_cores(x) == accessing_cores(y) ? 0.0 : 1e15;
  return core_penalty + growth;
}

// Merges neighbours, cheapest first, until at most `limit` pieces remain.
std::vector<Segment> merge_into(std::vector<Segment> segments, std::size_t limit) {
  if (segments.size() <= limit) return segments;
  const std::size_t n = segments.size();
  std::vector<std::size_t> next(n), previous(n);
  std::vector<bool> alive(n, true);
  std::vector<std::uint32_t> version(n, 0);
  for (std::size_t i = 0; i < n; ++i) next[i] = i + 1, previous[i] = i == 0 ? n : i - 1;
  using Entry = std::tuple<double, std::size_t, std::uint32_t, std::uint32_t>;  // cost, left, versions
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue;
  auto push = [&](std::size_t left) {
    const std::size_t right = next[left];
    if (right < n) queue.emplace(merge_cost(segments[left], segments[right]), left, version[left], version[right]);
  };
  for (std::size_t i = 0; i + 1 < n; ++i) push(i);
  std::size_t count = n;
  while (count > limit && !queue.empty()) {
    const auto [cost, left, left_version, right_version] = queue.top();
    queue.pop();
    const std::size_t right = next[left];
    if (!alive[left] || right >= n || version[left] != left_version || version[right] != right_version) continue;
    segments[left].life.merge(segments[right].life);
    segments[left].end = segments[right].end;
    alive[right] = false;
    next[left] = next[right];
    if (next[right] < n) previous[next[right]] = left;
    ++version[left];
    --count;
    push(left);
    if (previous[left] < n) push(previous[left]);
  }
  std::vector<Segment> out;
  for (std::size_t i = 0; i < n; ++i)
    if (alive[i]) out.push_back(std::move(segments[i]));
  return out;
}

// Per-core bounds over a stretch of one buffer's pieces, in a binary tree per buffer, so that
// two stretches can be compared as a whole: either every piece of one precedes every piece of the
// other (no conflict), or every two of them are unordered (one conflict block), or neither and
// the larger stretch is split. On lowered programs conflicts come in stretches (a band of rows
// meets a band of another tensor), so the comparisons follow the blocks found, not the pairs.
class LifetimeTree {
 public:
  explicit LifetimeTree(const PieceLifetimes& lifetimes) : lifetimes_(lifetimes), cores_(lifetimes.cores()) {}

  // What a piece costs here, at most (also in the analysis's memory estimate): a leaf, and an
  // inner node with its four per-core bounds (a leaf's are the piece's own counts).
  static std::uint64_t bytes_per_piece(std::uint32_t cores) { return 2 * sizeof(Node) + 16 * std::uint64_t{cores}; }
  // Room for trees over `pieces` pieces in all, taken at once: grown node by node, the bounds
  // would at their peak hold up to three times their final size while they move (1.7 GB against
  // 0.6 GB on ResNet-50 / 16 cores / p2p at batch 64, before leaves kept no bounds of their own).
  void reserve(std::size_t pieces) {
    nodes_.reserve(2 * pieces);
    bounds_.reserve(pieces * 4 * std::size_t{cores_});
  }

  // A tree over pieces [begin, end) (one buffer's); returns its root.
  std::uint32_t build(PieceId begin, PieceId end) {
    const auto node = static_cast<std::uint32_t>(nodes_.size());
    nodes_.push_back({begin, end, kNone, kNone, kNone});
    if (end - begin == 1) return node;
    const PieceId mid = begin + (end - begin) / 2;
    const std::uint32_t left = build(begin, mid), right = build(mid, end);
    Node& inner = nodes_[node];
    inner.left = left;
    inner.right = right;
    inner.bounds = static_cast<std::uint32_t>(bounds_.size() / (4 * std::size_t{cores_}));
    bounds_.resize(bounds_.size() + 4 * std::size_t{cores_});
    std::uint32_t* b = bounds_.data() + std::size_t{inner.bounds} * 4 * cores_;
    const Bounds l = bounds(left), r = bounds(right);
    for (std::uint32_t c = 0; c < cores_; ++c) {
      b[c] = std::min(l.least_last[c], r.least_last[c]);
      b[cores_ + c] = std::max(l.greatest_last[c], r.greatest_last[c]);
      b[2 * cores_ + c] = std::min(l.least_frontier[c], r.least_frontier[c]);
      b[3 * cores_ + c] = std::max(l.greatest_frontier[c], r.greatest_frontier[c]);
    }
    return node;
  }

  // Calls emit(stretch of a, stretch of b) for maximal-ish blocks of pieces that conflict, until
  // `stop` says enough.
  template <typename Emit, typename Stop>
  void conflicts(std::uint32_t a, std::uint32_t b, Emit& emit, Stop& stop) const {
    if (stop() || precedes(a, b) || precedes(b, a)) return;
    const Node &x = nodes_[a], &y = nodes_[b];
    if (unordered(a, b) && unordered(b, a)) {
      emit(PieceRange{x.begin, x.end}, PieceRange{y.begin, y.end});
      return;
    }
    // Two single pieces are always decided above, so one of the two can be split.
    if (y.left == kNone || (x.left != kNone && x.end - x.begin >= y.end - y.begin)) {
      conflicts(x.left, b, emit, stop);
      conflicts(x.right, b, emit, stop);
    } else {
      conflicts(a, y.left, emit, stop);
      conflicts(a, y.right, emit, stop);
    }
  }

 private:
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  struct Node {
    PieceId begin, end;
    std::uint32_t left, right;
    std::uint32_t bounds;  // inner nodes: index of its four bounds in bounds_
  };
  // Per core, over the pieces under a node.
  struct Bounds {
    const std::uint32_t *least_last, *greatest_last, *least_frontier, *greatest_frontier;
  };
  Bounds bounds(std::uint32_t node) const {
    const Node& n = nodes_[node];
    if (n.left == kNone) {
      const std::uint32_t *last = lifetimes_.last(n.begin), *frontier = lifetimes_.frontier(n.begin);
      return {last, last, frontier, frontier};
    }
    const std::uint32_t* b = bounds_.data() + std::size_t{n.bounds} * 4 * cores_;
    return {b, b + cores_, b + 2 * cores_, b + 3 * cores_};
  }
  // Every piece under a happens before every piece under b (ordered() for all pairs).
  bool precedes(std::uint32_t a, std::uint32_t b) const {
    const std::uint32_t *x = bounds(a).greatest_last, *y = bounds(b).least_frontier;
    for (std::uint32_t c = 0; c < cores_; ++c)
      if (x[c] > y[c]) return false;
    return true;
  }
  // No piece under a happens before any piece under b (!ordered() for all pairs).
  bool unordered(std::uint32_t a, std::uint32_t b) const {
    const std::uint32_t *x = bounds(a).least_last, *y = bounds(b).greatest_frontier;
    for (std::uint32_t c = 0; c < cores_; ++c)
      if (x[c] > y[c]) return true;
    return false;
  }

  const PieceLifetimes& lifetimes_;
  std::uint32_t cores_;
  std::vector<Node> nodes_;
  std::vector<std::uint32_t> bounds_;  // per node: least last, greatest last, least and greatest frontier
};

// Every two pieces whose windows overlap, decided one by one by the per-core counts.
void add_conflicts_pairwise(ProblemBuilder& builder, const PieceLifetimes& lifetimes,
                            std::span<const BufferId> piece_buffer) {
  const std::size_t piece_count = lifetimes.size();
  std::vector<PieceId> order;
  for (PieceId p = 0; p < piece_count; ++p)
    if (lifetimes[p].accessed) order.push_back(p);
  std::sort(order.begin(), order.end(), [&](PieceId a, PieceId b) {
    return lifetimes[a].settled != lifetimes[b].settled ? lifetimes[a].settled < lifetimes[b].settled : a < b;
  });
  std::vector<PieceId> active, partners;
  for (PieceId p : order) {
    const Positions& lp = lifetimes[p];
    std::erase_if(active, [&](PieceId q) { return lifetimes[q].last_position < lp.settled; });
    const BufferId bp = piece_buffer[p];
    partners.clear();
    for (PieceId q : active) {
      if (piece_buffer[q] == bp) continue;
      if (!lifetimes.ordered(p, q) && !lifetimes.ordered(q, p)) partners.push_back(q);
    }
    // `active` is kept in id order, so partners come sorted and go over as runs of consecutive
    // ids: a piece meets whole stretches of another tensor.
    for (std::size_t i = 0; i < partners.size();) {
      std::size_t j = i + 1;
      while (j < partners.size() && partners[j] == partners[j - 1] + 1) ++j;
      builder.add_conflicts(p, {partners[i], partners[j - 1] + 1});
      i = j;
    }
    active.insert(std::upper_bound(active.begin(), active.end(), p), p);
    if (builder.conflict_records() > builder.record_limit()) break;  // build() refuses it, naming the limit
  }
}

// The same conflicts by stretches: buffers whose windows overlap are compared tree against tree.
void add_conflict_blocks(ProblemBuilder& builder, const PieceLifetimes& lifetimes,
                         std::span<const BufferId> piece_buffer) {
  struct Window {
    std::uint64_t settled = std::numeric_limits<std::uint64_t>::max(), last = 0;
    std::uint32_t root = 0;
  };
  std::vector<Window> windows;
  LifetimeTree tree(lifetimes);
  tree.reserve(lifetimes.size());
  for (PieceId p = 0; p < lifetimes.size();) {
    PieceId end = p;
    Window w;
    for (; end < lifetimes.size() && piece_buffer[end] == piece_buffer[p]; ++end)
      if (lifetimes[end].accessed) {
        w.settled = std::min(w.settled, lifetimes[end].settled);
        w.last = std::max(w.last, lifetimes[end].last_position);
      }
    if (w.settled <= w.last) {
      w.root = tree.build(p, end);
      windows.push_back(w);
    }
    p = end;
  }
  std::stable_sort(windows.begin(), windows.end(), [](const Window& x, const Window& y) { return x.settled < y.settled; });
  // The tree splits a thin conflict shape into small blocks (one side cut where the other
  // buffer's writers change), and most touch a neighbour with the same other side: a pair's
  // blocks are joined, side by side, until no two touch along a common side. The conflicts are
  // the same; ResNet-50 / 16 cores / p2p at batch 8 had pairs of buffers in 11,622 blocks that
  // join into 14.
  std::vector<ConflictBlock> found;
  const auto join = [&](auto side, auto other_side) {
    std::sort(found.begin(), found.end(), [&](const ConflictBlock& x, const ConflictBlock& y) {
      return std::tuple{side(x).begin, side(x).end, other_side(x).begin} <
             std::tuple{side(y).begin, side(y).end, other_side(y).begin};
    });
    std::size_t kept = 0;
    for (std::size_t i = 0; i < found.size(); ++i) {
      if (kept > 0) {
        ConflictBlock& last = found[kept - 1];
        if (side(last) == side(found[i]) && other_side(last).end == other_side(found[i]).begin) {
          other_side(last).end = other_side(found[i]).end;
          continue;
        }
      }
      found[kept++] = found[i];
    }
    const bool joined = kept < found.size();
    found.resize(kept);
    return joined;
  };
  const auto a_side = [](auto& block) -> auto& { return block.a; };
  const auto b_side = [](auto& block) -> auto& { return block.b; };
  // A pair cut short by the record limit keeps its blocks unjoined: joined, they could fall back
  // under the limit, and a problem missing the rest of the pair's conflicts would be built.
  bool truncated = false;
  const auto flush = [&] {
    if (found.size() > 1 && !truncated)
      while (join(a_side, b_side) | join(b_side, a_side)) {
      }
    for (const ConflictBlock& block : found) builder.add_disjoint_conflict_block(block.a, block.b);
    found.clear();
  };
  auto emit = [&](PieceRange a, PieceRange b) { found.push_back({a, b}); };
  auto stop = [&] {
    truncated = truncated || builder.conflict_records() + found.size() > builder.record_limit();
    return truncated;
  };
  std::vector<std::uint32_t> active;  // indices into windows
  for (std::uint32_t i = 0; i < windows.size(); ++i) {
    std::erase_if(active, [&](std::uint32_t j) { return windows[j].last < windows[i].settled; });
    for (const std::uint32_t j : active) {
      tree.conflicts(windows[i].root, windows[j].root, emit, stop);
      flush();  // a block joins two buffers only
    }
    if (stop()) break;  // build() refuses it, naming the limit
    active.push_back(i);
  }
}

// The worst consistent cut (cut_bound.h) of the pieces: each counts from its first write (from
// the start for inputs) until its last access on one core, taken the latest in the interleaving
// among those its write happens before (after the end for outputs). Pieces nobody reads after
// their write are left out, which only lowers the bound.
std::optional<CutBound> worst_cut(const HappensBefore& hb, const PieceLifetimes& lifetimes, std::span<const Offset> sizes) {
  std::vector<CutPiece> pieces;
  std::vector<PieceId> id;
  for (PieceId p = 0; p < lifetimes.size(); ++p) {
    const Positions& life = lifetimes[p];
    if (!life.accessed) continue;
    const std::uint32_t *last = lifetimes.last(p), *frontier = lifetimes.frontier(p);
    const bool input = !life.first_write && std::all_of(frontier, frontier + lifetimes.cores(), [](std::uint32_t f) { return f == 0; });
    if (!life.first_write && !input) continue;  // read, never written: no moment to count from
    CutPiece piece{.size = sizes[p], .write = life.first_write, .until = std::nullopt};
    bool output = false;
    std::optional<InstructionRef> until;
    for (CoreId c = 0; c < lifetimes.cores(); ++c) {
      if (last[c] == kNever) output = true;
      if (last[c] == 0 || last[c] == kNever) continue;
      const InstructionRef a{c, last[c] - 1};
      if (piece.write && !hb.before(*piece.write, a)) continue;
      if (!until || hb.position(a) > hb.position(*until)) until = a;
    }
    if (!output && !until) continue;
    piece.until = output ? std::nullopt : until;
    pieces.push_back(piece);
    id.push_back(p);
  }
  std::optional<CutBound> bound = max_live_bytes_over_cuts(hb, pieces);
  if (bound)
    for (std::uint32_t& counted : bound->counted) counted = id[counted];
  return bound;
}

std::string describe_cut(std::span<const std::uint32_t> cut) {
  std::string text = "instructions executed per core";
  for (std::size_t c = 0; c < cut.size(); ++c) text += fmt::format("{}{}", c == 0 ? " " : "/", cut[c]);
  return text;
}

}  // namespace

Problem instruction_liveness(const Program& program, const HappensBefore& hb,
                             const InstructionLivenessOptions& options, std::string_view origin) {
  const std::uint32_t cores = program.cores;
  std::vector<std::vector<Access>> accesses(program.tensors.size());
  for (CoreId c = 0; c < cores; ++c) {
    const auto& stream = program.streams[c];
    for (std::uint32_t i = 0; i < stream.size(); ++i) {
      const auto* load = std::get_if<Load>(&stream[i].op);
      const auto* store = std::get_if<Store>(&stream[i].op);
      if (!load && !store) continue;
      const TensorId t = load ? load->tensor : store->tensor;
      const TensorRange& r = load ? load->range : store->range;
      if (is_planned(program.tensors[t].kind)) accesses[t].push_back({r.offset, r.end(), {c, i}, store != nullptr});
    }
  }

  // The memory budget, checked as pieces are found (before the cut bound's graph, the trees and
  // the conflicts, which hold the most, are built): what is held already (the program with its
  // happens-before, one position and one epoch per instruction, and the accesses not yet turned
  // into pieces) and what each piece will hold (its lifetime, its piece here and in the problem,
  // its part of the trees) must fit. The cut bound runs before the conflict search, so that their
  // peaks do not add up.
  struct Budget : MemoryBudget {
    std::uint64_t instructions = 0, program = 0, per_piece = 0, tree_per_piece = 0;
    std::uint64_t held(std::size_t pieces, std::size_t accesses) const {
      return program + (per_piece + tree_per_piece) * pieces + sizeof(Access) * accesses;
    }
  } budget{memory_budget(options.max_memory_bytes)};
  budget.instructions = hb.total_instructions();
  // The process itself counts with it (kProcessMemoryBytes), and so do the vector clocks.
  budget.program = kProcessMemoryBytes + budget.instructions * (sizeof(Instruction) + 12) +
                   hb.epoch_count() * std::uint64_t{hb.cores()} * sizeof(std::uint32_t);
  budget.per_piece = PieceLifetimes::bytes_per_piece(cores) + 2 * sizeof(Piece) + sizeof(BufferId) + sizeof(Offset);
  budget.tree_per_piece = LifetimeTree::bytes_per_piece(cores);
  std::size_t accesses_left = 0;
  for (const auto& list : accesses) accesses_left += list.size();

  ProblemBuilder builder;
  PieceLifetimes lifetimes(cores);     // per piece, in piece order
  std::vector<BufferId> piece_buffer;  // per piece
  std::vector<Offset> piece_size;      // per piece
  std::vector<PieceId> unread_inputs;  // pieces of inputs that no instruction reads
  std::vector<PieceRange> input_buffers;  // the pieces of each input block
  const std::size_t segment_limit = kMaxSegmentsPerTensor;
  const auto check_budget = [&](std::size_t accesses) {
    const std::uint64_t held = budget.held(lifetimes.size(), accesses);
    if (held < budget.bytes) return;
    throw InputError({"--max-memory"},
                     fmt::format("the instruction-level liveness of {} would hold more than {} ({} for the process and "
                                 "its {} instructions, {} for {}{} pieces on {} cores{}): use a smaller batch, fewer "
                                 "pieces per tensor (--max-pieces), or a coarser level (--level tensor or topology)",
                                 origin, budget.named, describe_bytes(budget.program), budget.instructions,
                                 describe_bytes((budget.per_piece + budget.tree_per_piece) * lifetimes.size()),
                                 accesses == 0 ? "its " : "its first ", lifetimes.size(), cores,
                                 accesses == 0 ? "" : fmt::format(", {} for the accesses left",
                                                                  describe_bytes(sizeof(Access) * accesses))));
  };
  check_budget(accesses_left);
  // One buffer per block [begin, end) of a tensor, from the accesses inside it (none crosses).
  auto add_block = [&](const Tensor& tensor, std::uint32_t block, std::span<const Access> list) {
    const std::uint64_t block_begin = tensor.block_begin(block), block_end = tensor.block_end(block);
    std::vector<std::uint64_t> cuts = {block_begin, block_end};
    for (const Access& a : list) cuts.push_back(a.begin), cuts.push_back(a.end);
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    if (cuts.size() - 1 > segment_limit) {  // thin the cut points, keeping both ends
      std::vector<std::uint64_t> thinned;
      const std::size_t n = cuts.size() - 1;
      for (std::size_t g = 0; g <= segment_limit; ++g) thinned.push_back(cuts[g * n / segment_limit]);
      cuts = std::move(thinned);
    }
    std::vector<Segment> segments;
    for (std::size_t i = 0; i + 1 < cuts.size(); ++i) segments.push_back({cuts[i], cuts[i + 1], Lifetime(cores)});

    for (Segment& s : segments) {
      if (tensor.kind == TensorKind::input) {  // written before the program starts
        std::fill(s.life.frontier.begin(), s.life.frontier.end(), 0);
        s.life.first_position = 0;
        s.life.settled = 0;
        s.life.accessed = true;
      }
      if (tensor.kind == TensorKind::output) {  // read after it ends
        std::fill(s.life.last.begin(), s.life.last.end(), kNever);
        s.life.last_position = hb.total_instructions();
        s.life.accessed = true;
      }
    }
    std::vector<std::uint32_t> write_frontier(cores);
    for (const Access& a : list) {
      std::uint64_t settled = 0;
      if (a.write) {
        settled = std::numeric_limits<std::uint64_t>::max();
        for (CoreId c = 0; c < cores; ++c) {
          write_frontier[c] = c == a.at.core ? a.at.index : hb.known(a.at, c);
          settled = std::min(settled, hb.position_or_end(c, write_frontier[c]));
        }
      }
      const std::uint64_t position = hb.position(a.at);
      auto first = std::upper_bound(segments.begin(), segments.end(), a.begin,
                                    [](std::uint64_t v, const Segment& s) { return v < s.end; });
      for (auto it = first; it != segments.end() && it->begin < a.end; ++it) {
        Lifetime& life = it->life;
        life.accessed = true;
        if (life.last[a.at.core] != kNever) life.last[a.at.core] = std::max(life.last[a.at.core], a.at.index + 1);
        life.last_position = std::max(life.last_position, position);
        if (a.write) {
          for (CoreId c = 0; c < cores; ++c) life.frontier[c] = std::min(life.frontier[c], write_frontier[c]);
          if (position < life.first_position) life.first_write = a.at;
          life.first_position = std::min(life.first_position, position);
          life.settled = std::min(life.settled, settled);
        }
      }
    }
    // Neighbours that live and die together are one piece.
    std::vector<Segment> pieces;
    for (Segment& s : segments) {
      if (!pieces.empty() && pieces.back().life.same_order(s.life) &&
          pieces.back().life.accessed == s.life.accessed) {
        pieces.back().life.merge(s.life);
        pieces.back().end = s.end;
      } else {
        pieces.push_back(std::move(s));
      }
    }
    pieces = merge_into(std::move(pieces), std::max<std::uint32_t>(options.max_pieces_per_tensor, 1));
    const BufferId b = builder.add_buffer(block_name(tensor, block), block_end - block_begin, options.alignment);
    for (Segment& piece : pieces) {
      Lifespan span{0, 0};
      if (piece.life.accessed) {
        // Never written (a read of bytes nobody stored) counts from its first access.
        const std::uint64_t from = std::min(piece.life.first_position, piece.life.last_position);
        span = {from, std::max(piece.life.last_position, from) + 1};
        piece.life.settled = std::min(piece.life.settled, from);
      }
      builder.add_piece(b, piece.begin - block_begin, piece.end - piece.begin, span);
      piece_size.push_back(piece.end - piece.begin);
      if (tensor.kind == TensorKind::input &&
          std::all_of(piece.life.last.begin(), piece.life.last.end(), [](std::uint32_t l) { return l == 0; }))
        unread_inputs.push_back(static_cast<PieceId>(lifetimes.size()));
      lifetimes.push_back(piece.life);
      piece_buffer.push_back(b);
    }
  };
  for (TensorId t = 0; t < program.tensors.size(); ++t) {
    const Tensor& tensor = program.tensors[t];
    if (!is_planned(tensor.kind)) continue;
    // Blocks are placed apart, so pieces of two blocks of one tensor conflict like any others.
    // The accesses go into per-block runs by one counting pass that keeps their order (no access
    // crosses a block).
    std::vector<Access>& list = accesses[t];
    std::vector<std::size_t> start(tensor.block_count() + 1, 0);
    if (tensor.block_count() > 1) {
      for (const Access& a : list) ++start[tensor.block_of(a.begin) + 1];
      std::partial_sum(start.begin(), start.end(), start.begin());
      std::vector<std::size_t> next(start.begin(), start.end() - 1);
      std::vector<Access> grouped(list.size());
      for (const Access& a : list) grouped[next[tensor.block_of(a.begin)]++] = a;
      list = std::move(grouped);
    } else {
      start[1] = list.size();
    }
    for (std::uint32_t k = 0; k < tensor.block_count(); ++k) {
      const auto first = static_cast<PieceId>(lifetimes.size());
      add_block(tensor, k, std::span<const Access>(list).subspan(start[k], start[k + 1] - start[k]));
      if (tensor.kind == TensorKind::input) input_buffers.push_back({first, static_cast<PieceId>(lifetimes.size())});
    }
    accesses_left -= list.size();
    std::vector<Access>().swap(list);  // done with: the conflict search below holds the most
    check_budget(accesses_left);
  }
  // The host writes every input byte before the program starts, all at once, so an input byte
  // nobody reads (a row a strided window skips) still holds its address then, with every other
  // input byte. Having no reads, it happens before everything in the search below, and a plan
  // could put another input there, which the preload then overwrites (the simulator caught this
  // on a tile-mode SqueezeNet). It conflicts with the pieces of every other input block, and
  // with nothing else: what is written later may take its place.
  for (const PieceId piece : unread_inputs)
    for (const PieceRange& other : input_buffers)
      if (piece_buffer[other.begin] != piece_buffer[piece]) builder.add_conflicts(piece, other);

  // Pieces whose lifespans (positions in one interleaving) overlap are unordered, so they conflict.
  BoundRule rule{.lifespans_conflict = true, .rigid_pairs = true, .level = "instruction level",
                 .live_bytes = "maximum live bytes over an interleaving consistent with happens-before",
                 .live_together = {}, .live_together_source = {}};
  check_budget(0);
  const std::uint64_t held = budget.program + budget.per_piece * lifetimes.size();
  if (budget.instructions <= kMaxCutBoundInstructions) {
    const std::uint64_t graph = kCutGraphBytesPerInstruction * budget.instructions +
                                (sizeof(CutPiece) + sizeof(PieceId)) * lifetimes.size();
    if (held + graph >= budget.bytes)
      throw InputError({"--max-memory"},
                       fmt::format("the instruction-level liveness of {} would hold more than {}: {} for the process, "
                                   "its {} instructions and {} pieces on {} cores, and {} for the graph of its worst "
                                   "consistent cut: use a smaller batch, fewer pieces per tensor (--max-pieces), or "
                                   "a coarser level (--level tensor or topology)",
                                   origin, budget.named, describe_bytes(held), budget.instructions,
                                   lifetimes.size(), cores, describe_bytes(graph)));
  }
  if (const auto cut = worst_cut(hb, lifetimes, piece_size)) {
    rule.live_together.assign(cut->counted.begin(), cut->counted.end());
    rule.live_together_source = fmt::format(
        "maximum live bytes over every consistent cut (all executions the synchronisation allows), at {}",
        describe_cut(cut->cut));
  }
  // What is left of the budget bounds the conflict records (a block while found, then sorted,
  // its two index entries and two collision intervals).
  {
    constexpr std::uint64_t kBytesPerRecord = 80;
    const std::uint64_t held_now = budget.held(lifetimes.size(), 0);  // below the budget: checked above
    const std::uint64_t records = (budget.bytes - std::min(held_now, budget.bytes)) / kBytesPerRecord;
    if (records < options.max_conflict_records)
      builder.set_record_limit(records, fmt::format("that {} leaves after the program and the pieces ({} bytes each)",
                                                    budget.named, kBytesPerRecord));
    else if (options.max_conflict_records != kMaxConflictRecords)
      builder.set_record_limit(options.max_conflict_records, "the analysis was given");
  }
  // Candidate pairs: a piece can only conflict with pieces whose window [settled, last access]
  // overlaps its own; outside it, one's accesses all precede the other's writes (every position
  // below `settled` happens before all writes).
  if (options.conflict_search == InstructionLivenessOptions::ConflictSearch::pairwise)
    add_conflicts_pairwise(builder, lifetimes, piece_buffer);
  else
    add_conflict_blocks(builder, lifetimes, piece_buffer);
  return builder.build(fmt::format("instruction-level liveness of {}", origin), rule);
}

}  // namespace tetris::memmgr
