#include "memmgr/exact_search.h"

#include <algorithm>
#include <numeric>
#include <span>
#include <tuple>

namespace tetris::memmgr {
namespace {

// Time is cut into sections between consecutive distinct lifespan ends; buffer b covers the
// sections [first_[b], last_[b]). Each unplaced buffer keeps the lowest offset it can take (above
// every placed buffer it overlaps); each section keeps a floor (the top of the last buffer placed
// in it) and the bytes still to place in it.
class FitSearch {
 public:
  FitSearch(const Problem& problem, Offset capacity, Preorder preorder, ExactBudget budget, Deadline deadline)
      : buffers_(problem.buffers()), capacity_(capacity), preorder_(preorder), budget_(budget), deadline_(deadline) {
    std::vector<TimeValue> cuts;
    for (const Buffer& b : buffers_) {
      cuts.push_back(b.lifespan.lower);
      cuts.push_back(b.lifespan.upper);
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    const std::size_t sections = cuts.empty() ? 0 : cuts.size() - 1;
    floor_.assign(sections, 0);
    remaining_.assign(sections, 0);
    for (const Buffer& b : buffers_) {
      first_.push_back(static_cast<std::uint32_t>(std::lower_bound(cuts.begin(), cuts.end(), b.lifespan.lower) - cuts.begin()));
      last_.push_back(static_cast<std::uint32_t>(std::lower_bound(cuts.begin(), cuts.end(), b.lifespan.upper) - cuts.begin()));
      for (std::uint32_t s = first_.back(); s < last_.back(); ++s) remaining_[s] += b.size;
    }
    rank_.assign(buffers_.size(), 0);
    overlaps_.resize(buffers_.size());
    for (BufferId b = 0; b < buffers_.size(); ++b) overlaps_[b] = problem.conflicting_buffers(b);
    placed_.assign(buffers_.size(), false);
    min_offset_.assign(buffers_.size(), 0);
    offsets_.assign(buffers_.size(), 0);
  }

  ExactSearchResult run() {
    ExactSearchResult result;
    sections_of_.assign(floor_.size(), {});
    section_stamp_.assign(floor_.size(), 0);
    for (BufferId b = 0; b < buffers_.size(); ++b)
      for (std::uint32_t s = first_[b]; s < last_[b]; ++s) sections_of_[s].push_back(b);
    // cuts_[s]: unplaced buffers live in both section s and s + 1. Where it is zero, the
    // problem falls apart into independent parts, solved one after the other.
    cuts_.assign(floor_.size(), 0);
    for (BufferId b = 0; b < buffers_.size(); ++b)
      for (std::uint32_t s = first_[b]; s + 1 < last_[b]; ++s) ++cuts_[s];
    std::vector<BufferId> all(buffers_.size());
    std::iota(all.begin(), all.end(), 0);
    bool found = true;
    std::uint32_t begin = 0;
    for (std::uint32_t s = 0; s < floor_.size() && found; ++s) {
      if (s + 1 < floor_.size() && cuts_[s] != 0) continue;
      found = solve_part(all, begin, s + 1);
      begin = s + 1;
    }
    result.nodes = nodes_;
    result.steps = steps_;
    if (found) {
      result.answer = FitAnswer::fits;
      result.offsets = solution_;
      result.order.resize(buffers_.size());
      std::iota(result.order.begin(), result.order.end(), 0);
      std::stable_sort(result.order.begin(), result.order.end(),
                       [&](BufferId a, BufferId b) { return solution_[a] < solution_[b]; });
    } else {
      result.answer = spent() ? FitAnswer::unknown : FitAnswer::does_not_fit;
    }
    return result;
  }

 private:
  // A part: the unplaced buffers (in rank order) live within sections [lo, hi).
  struct Part {
    std::vector<BufferId> buffers;
    std::uint32_t lo, hi;
  };

  // Solves the unplaced buffers of `candidates` that live in sections [lo, hi) on their own, in
  // canonical order from offset 0, ranked afresh by the preorder on what is left to place (as
  // MiniMalloc re-sorts each sub-partition). The parent's ranks are restored afterwards.
  bool solve_part(const std::vector<BufferId>& candidates, std::uint32_t lo, std::uint32_t hi) {
    Part part{{}, lo, hi};
    for (BufferId b : candidates)
      if (!placed_[b] && first_[b] < hi && lo < last_[b]) part.buffers.push_back(b);
    if (part.buffers.empty()) return true;
    std::vector<std::uint32_t> saved;
    for (BufferId b : part.buffers) saved.push_back(rank_[b]);
    rank_part(part.buffers);
    const bool found = dfs(part, 0, 0);
    for (std::size_t i = 0; i < part.buffers.size(); ++i) rank_[part.buffers[i]] = saved[i];
    return found;
  }

  // W = lifespan width, A = area, T = the largest bytes still to place in a section it crosses.
  void rank_part(std::vector<BufferId>& part) {
    struct Key {
      TimeValue width;
      double area;
      Offset total;
    };
    std::vector<Key> keys(buffers_.size());
    for (BufferId b : part) {
      Offset total = 0;
      for (std::uint32_t s = first_[b]; s < last_[b]; ++s) total = std::max(total, remaining_[s]);
      keys[b] = {buffers_[b].lifespan.length(),
                 static_cast<double>(buffers_[b].size) * static_cast<double>(buffers_[b].lifespan.length()), total};
    }
    auto key = [&](BufferId b) {
      const Key& k = keys[b];
      switch (preorder_) {
        case Preorder::wat: return std::tuple(double(k.width), k.area, double(k.total));
        case Preorder::taw: return std::tuple(double(k.total), k.area, double(k.width));
        case Preorder::twa: break;
      }
      return std::tuple(double(k.total), double(k.width), k.area);
    };
    std::stable_sort(part.begin(), part.end(), [&](BufferId a, BufferId b) { return key(a) > key(b); });
    for (std::uint32_t i = 0; i < part.size(); ++i) rank_[part[i]] = i;
  }

  // Every section must still hold what is left to place in it above its floor, and above the
  // last offset placed (canonical order: later buffers never go lower).
  bool check(const Part& part, Offset offset) const {
    for (std::uint32_t s = part.lo; s < part.hi; ++s)
      if (std::max(offset, floor_[s]) + remaining_[s] > capacity_) return false;
    return true;
  }

  bool dfs(const Part& part, Offset last_offset, std::uint32_t last_rank) {
    steps_ += part.buffers.size() + (part.hi - part.lo);
    if (++nodes_ >= budget_.nodes || spent()) return false;
    if ((nodes_ & 1023) == 0 && std::chrono::steady_clock::now() >= deadline_) {
      budget_.nodes = nodes_;  // out of time: unwind as if the budget were spent
      return false;
    }
    struct Candidate {
      Offset offset;
      std::uint32_t rank;
      BufferId buffer;
    };
    std::vector<Candidate> candidates;
    Offset min_height = ~Offset{0};
    for (BufferId b : part.buffers) {
      if (placed_[b]) continue;
      candidates.push_back({min_offset_[b], rank_[b], b});
      min_height = std::min(min_height, min_offset_[b] + buffers_[b].size);
    }
    if (candidates.empty()) {
      for (BufferId b : part.buffers) solution_[b] = offsets_[b];
      return true;
    }
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Candidate& x, const Candidate& y) { return x.offset < y.offset; });
    for (const Candidate& c : candidates) {
      if (c.offset >= min_height) break;  // another buffer fits wholly below: it comes first
      if (c.offset < last_offset || (c.offset == last_offset && c.rank < last_rank)) continue;  // canonical
      const std::size_t offset_mark = offset_changes_.size(), floor_mark = floor_changes_.size();
      place(c.buffer, c.offset);
      // "Hatless": placing it raised no other buffer. Then it constrained nothing, so if the
      // rest cannot be placed, no other choice here can do better (MiniMalloc's hatless pruning).
      const bool hatless = offset_changes_.size() == offset_mark;
      const bool found = check(part, c.offset) && descend(part, c);
      unplace(c.buffer, offset_mark, floor_mark);
      if (found) return true;
      if (spent() || hatless) return false;
    }
    return false;
  }

  template <typename Candidate>
  bool descend(const Part& part, const Candidate& c) {
    const BufferId b = c.buffer;
    std::vector<std::uint32_t> cutpoints{part.lo};
    for (std::uint32_t s = first_[b]; s + 1 < last_[b]; ++s)
      if (--cuts_[s] == 0) cutpoints.push_back(s + 1);
    bool found = true;
    if (cutpoints.size() == 1) {
      found = dfs(part, c.offset, c.rank);
    } else {
      cutpoints.push_back(part.hi);
      for (std::size_t i = 1; i < cutpoints.size() && found; ++i)
        found = solve_part(part.buffers, cutpoints[i - 1], cutpoints[i]);
    }
    if (found) solution_[b] = offsets_[b];
    for (std::uint32_t s = first_[b]; s + 1 < last_[b]; ++s) ++cuts_[s];
    return found;
  }

  void place(BufferId b, Offset offset) {
    placed_[b] = true;
    offsets_[b] = offset;
    offset_mark_for_floor_ = offset_changes_.size();
    const Offset height = offset + buffers_[b].size;
    for (BufferId other : overlaps_[b]) {
      if (placed_[other] || min_offset_[other] >= height) continue;
      offset_changes_.emplace_back(other, min_offset_[other]);
      const Offset a = buffers_[other].alignment;
      min_offset_[other] = (height + a - 1) / a * a;
    }
    for (std::uint32_t s = first_[b]; s < last_[b]; ++s) {
      floor_changes_.emplace_back(s, floor_[s]);
      floor_[s] = height;
      remaining_[s] -= buffers_[b].size;
    }
    // A section's floor is at least the lowest offset any of its unplaced buffers can take.
    ++stamp_;
    affected_.clear();
    for (std::size_t i = offset_mark_for_floor_; i < offset_changes_.size(); ++i) {
      const BufferId other = offset_changes_[i].first;
      for (std::uint32_t s = first_[other]; s < last_[other]; ++s)
        if (section_stamp_[s] != stamp_) section_stamp_[s] = stamp_, affected_.push_back(s);
    }
    for (std::uint32_t s : affected_) {
      steps_ += sections_of_[s].size();
      Offset lowest = ~Offset{0};
      for (BufferId u : sections_of_[s])
        if (!placed_[u]) lowest = std::min(lowest, min_offset_[u]);
      if (lowest != ~Offset{0} && floor_[s] < lowest) {
        floor_changes_.emplace_back(s, floor_[s]);
        floor_[s] = lowest;
      }
    }
  }

  bool spent() const { return nodes_ >= budget_.nodes || steps_ >= budget_.steps; }

  void unplace(BufferId b, std::size_t offset_mark, std::size_t floor_mark) {
    while (floor_changes_.size() > floor_mark) {
      floor_[floor_changes_.back().first] = floor_changes_.back().second;
      floor_changes_.pop_back();
    }
    for (std::uint32_t s = first_[b]; s < last_[b]; ++s) remaining_[s] += buffers_[b].size;
    while (offset_changes_.size() > offset_mark) {
      min_offset_[offset_changes_.back().first] = offset_changes_.back().second;
      offset_changes_.pop_back();
    }
    placed_[b] = false;
  }

  std::span<const Buffer> buffers_;
  Offset capacity_;
  Preorder preorder_;
  ExactBudget budget_;
  Deadline deadline_;
  std::uint64_t nodes_ = 0, steps_ = 0;
  std::vector<std::uint32_t> rank_;
  std::vector<std::vector<BufferId>> overlaps_;
  std::vector<std::uint32_t> first_, last_;
  std::vector<Offset> floor_, remaining_, min_offset_, offsets_;
  std::vector<bool> placed_;
  std::vector<Offset> solution_ = std::vector<Offset>(buffers_.size(), 0);
  std::vector<std::vector<BufferId>> sections_of_;
  std::vector<std::uint32_t> cuts_;
  std::size_t offset_mark_for_floor_ = 0;
  std::vector<std::uint64_t> section_stamp_;
  std::uint64_t stamp_ = 0;
  std::vector<std::uint32_t> affected_;
  std::vector<std::pair<BufferId, Offset>> offset_changes_;
  std::vector<std::pair<std::uint32_t, Offset>> floor_changes_;
};

}  // namespace

ExactSearchResult fit_under_capacity(const Problem& problem, Offset capacity, Preorder preorder,
                                     ExactBudget budget, Deadline deadline) {
  return FitSearch(problem, capacity, preorder, budget, deadline).run();
}

ExactSearchResult search_fit(const Problem& problem, Offset capacity, ExactBudget budget, Deadline deadline) {
  ExactSearchResult last;
  std::uint64_t nodes = 0, steps = 0;
  const auto spent = [&] { return nodes >= budget.nodes || steps >= budget.steps; };
  // Round robin with doubling node limits: a preorder that is lucky finishes early, and no
  // preorder can sink the whole node budget into one hopeless subtree. Steps are not shared out
  // by round: the step budget is a bound on time, not a search strategy.
  for (std::uint64_t limit = 2 * std::max<std::uint64_t>(problem.buffers().size(), 1); !spent(); limit *= 2) {
    for (Preorder preorder : {Preorder::wat, Preorder::taw, Preorder::twa}) {
      last = fit_under_capacity(problem, capacity, preorder,
                                {std::min(limit, budget.nodes - nodes), budget.steps - steps}, deadline);
      nodes += last.nodes;
      steps += last.steps;
      if (last.answer != FitAnswer::unknown || spent() || std::chrono::steady_clock::now() >= deadline) break;
    }
    if (last.answer != FitAnswer::unknown || spent() || std::chrono::steady_clock::now() >= deadline) break;
  }
  last.nodes = nodes;
  last.steps = steps;
  return last;
}

}  // namespace tetris::memmgr
