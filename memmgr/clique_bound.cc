#include "memmgr/clique_bound.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <span>

#include "common/splitmix.h"

namespace tetris::memmgr {
namespace {

class CliqueSearch {
 public:
  CliqueSearch(const Problem& problem, const CliqueSearchLimits& limits)
      : problem_(problem), limits_(limits), in_set_(problem.pieces().size(), 0),
        counted_(problem.pieces().size(), 0), first_run_(problem.pieces().size(), kUnset),
        run_count_(problem.pieces().size(), 0) {}

  Clique run(std::span<const PieceId> start) {
    Clique best{{start.begin(), start.end()}, 0};
    std::sort(best.pieces.begin(), best.pieces.end());
    best.pieces.erase(std::unique(best.pieces.begin(), best.pieces.end()), best.pieces.end());
    best.bytes = bytes_of(best.pieces);
    if (best.pieces.empty() || best.pieces.size() > limits_.max_start) return best;
    // A start that is not maximal gains at once.
    if (Clique grown = extend(best.pieces); grown.bytes > best.bytes) best = std::move(grown);
    for (std::size_t round = 0; round < limits_.rounds && work_ < limits_.max_work; ++round) {
      Clique traded = trade(best);
      if (traded.bytes <= best.bytes) break;
      best = std::move(traded);
    }
    return best;
  }

 private:
  Offset bytes_of(std::span<const PieceId> pieces) const {
    Offset bytes = 0;
    for (const PieceId p : pieces) bytes += problem_.pieces()[p].size;
    return bytes;
  }

  PieceRange buffer_range(PieceId p) const {
    const Buffer& b = problem_.buffers()[problem_.pieces()[p].buffer];
    return {b.first_piece, b.first_piece + b.piece_count};
  }

  // The pieces `p` must lie apart from: its conflict runs (sorted, disjoint, never in its own
  // buffer) and its own buffer's pieces. Remembered: the same members recur in every trade. The
  // work counted is the runs found, which depend on the conflicts only, not on how the problem
  // stores them, so the bound does not either. The extension of a start is not cut by the work
  // limit, so what is remembered is: past kMaxRememberedRuns (32 MiB) runs are found again when
  // needed (ResNet-50 / 16 cores / p2p at batch 8 remembered 39 M runs, 315 MB). Found again,
  // they cost time but count no work, as remembered ones did not: the bound is the same as with
  // everything remembered. The span lasts until the next call.
  std::span<const PieceRange> apart_runs(PieceId p) {
    if (first_run_[p] != kUnset) return std::span<const PieceRange>(runs_).subspan(first_run_[p], run_count_[p]);
    scratch_ = problem_.conflict_runs(p);
    if (!counted_[p]) work_ += scratch_.size() + 1;
    counted_[p] = 1;
    const PieceRange own = buffer_range(p);
    scratch_.insert(std::upper_bound(scratch_.begin(), scratch_.end(), own,
                                     [](const PieceRange& a, const PieceRange& b) { return a.begin < b.begin; }),
                    own);
    if (runs_.size() + scratch_.size() > kMaxRememberedRuns) return scratch_;
    if (runs_.empty()) runs_.reserve(kMaxRememberedRuns);
    first_run_[p] = runs_.size();
    run_count_[p] = static_cast<std::uint32_t>(scratch_.size());
    runs_.insert(runs_.end(), scratch_.begin(), scratch_.end());
    return std::span<const PieceRange>(runs_).subspan(first_run_[p], run_count_[p]);
  }

  static bool inside(std::span<const PieceRange> runs, PieceId q) {
    const auto it = std::upper_bound(runs.begin(), runs.end(), q, [](PieceId x, const PieceRange& r) { return x < r.begin; });
    return it != runs.begin() && q < std::prev(it)->end;
  }

  // Per piece, the summed weight(member) of the members of `set` it must lie apart from (a
  // member counts itself through its own buffer), modulo 2^64.
  template <class Weight>
  std::vector<std::uint64_t> apart_weights(std::span<const PieceId> set, Weight weight) {
    std::vector<std::uint64_t> diff(problem_.pieces().size() + 1, 0);
    for (const PieceId c : set) {
      const std::uint64_t w = weight(c);
      for (const PieceRange& r : apart_runs(c)) diff[r.begin] += w, diff[r.end] -= w;
    }
    std::partial_sum(diff.begin(), diff.end(), diff.begin());
    return diff;
  }

  // `kept` (ascending, pairwise apart) plus, greedily and heaviest first, every piece apart from all chosen.
  Clique extend(std::vector<PieceId> kept) {
    const std::vector<std::uint64_t> met = apart_weights(kept, [](PieceId) { return std::uint64_t{1}; });
    for (const PieceId c : kept) in_set_[c] = 1;
    std::vector<PieceId> candidates;
    const std::uint64_t need = kept.size();
    for (PieceId q = 0; q < problem_.pieces().size(); ++q)
      if (!in_set_[q] && met[q] == need) candidates.push_back(q);
    for (const PieceId c : kept) in_set_[c] = 0;
    const auto pieces = problem_.pieces();
    while (!candidates.empty()) {
      const auto heaviest = std::max_element(candidates.begin(), candidates.end(), [&](PieceId a, PieceId b) {
        return pieces[a].size != pieces[b].size ? pieces[a].size < pieces[b].size : a > b;
      });
      const PieceId p = *heaviest;
      kept.push_back(p);
      const std::span<const PieceRange> runs = apart_runs(p);
      std::erase_if(candidates, [&](PieceId q) { return q == p || !inside(runs, q); });
    }
    std::sort(kept.begin(), kept.end());
    const Offset bytes = bytes_of(kept);
    return {std::move(kept), bytes};
  }

  // Forces in an outside piece and keeps the heaviest extension. Outside pieces apart from the
  // same members drop the same ones (told apart by a random signature of those members, summed
  // like the weights); each such group is tried once, through its largest piece, the groups whose
  // bytes most exceed what they drop first.
  Clique trade(const Clique& best) {
    const auto pieces = problem_.pieces();
    const std::vector<std::uint64_t> kept_bytes = apart_weights(best.pieces, [&](PieceId c) { return pieces[c].size; });
    const std::vector<std::uint64_t> signature = apart_weights(best.pieces, [](PieceId c) { return splitmix64(c); });
    for (const PieceId c : best.pieces) in_set_[c] = 1;
    struct Group {
      std::uint64_t signature = 0;
      Offset dropped = 0, bytes = 0;
      PieceId largest = 0;
    };
    std::vector<Group> groups;
    {
      std::vector<PieceId> outside;
      for (PieceId q = 0; q < pieces.size(); ++q)
        if (!in_set_[q] && kept_bytes[q] > 0) outside.push_back(q);
      std::sort(outside.begin(), outside.end(), [&](PieceId a, PieceId b) {
        return signature[a] != signature[b] ? signature[a] < signature[b] : a < b;
      });
      for (const PieceId q : outside) {
        if (groups.empty() || groups.back().signature != signature[q])
          groups.push_back({signature[q], best.bytes - kept_bytes[q], 0, q});
        Group& g = groups.back();
        g.bytes += pieces[q].size;
        if (pieces[q].size > pieces[g.largest].size) g.largest = q;
      }
    }
    for (const PieceId c : best.pieces) in_set_[c] = 0;
    const auto score = [](const Group& g) { return static_cast<double>(g.bytes) - static_cast<double>(g.dropped); };
    std::sort(groups.begin(), groups.end(), [&](const Group& a, const Group& b) {
      return score(a) != score(b) ? score(a) > score(b) : a.largest < b.largest;
    });
    Clique heaviest = best;
    for (std::size_t i = 0; i < groups.size() && i < limits_.trades_per_round && work_ < limits_.max_work; ++i) {
      const PieceId p = groups[i].largest;
      const std::span<const PieceRange> runs = apart_runs(p);
      std::vector<PieceId> kept;
      for (const PieceId c : best.pieces)
        if (inside(runs, c)) kept.push_back(c);
      kept.insert(std::lower_bound(kept.begin(), kept.end(), p), p);
      Clique grown = extend(std::move(kept));
      if (grown.bytes > heaviest.bytes) heaviest = std::move(grown);
    }
    return heaviest;
  }

  const Problem& problem_;
  const CliqueSearchLimits limits_;
  static constexpr std::uint64_t kUnset = std::numeric_limits<std::uint64_t>::max();
  static constexpr std::size_t kMaxRememberedRuns = std::size_t{1} << 22;
  std::vector<char> in_set_;
  std::vector<char> counted_;  // per piece: its runs are in work_
  std::vector<std::uint64_t> first_run_;  // per piece: where its apart runs start in runs_, once found
  std::vector<std::uint32_t> run_count_;
  std::vector<PieceRange> runs_;     // reserved once: spans into it stay valid
  std::vector<PieceRange> scratch_;  // runs found but not remembered
  std::uint64_t work_ = 0;
};

}  // namespace

Clique heavier_clique(const Problem& problem, std::span<const PieceId> start, const CliqueSearchLimits& limits) {
  return CliqueSearch(problem, limits).run(start);
}

}  // namespace tetris::memmgr
