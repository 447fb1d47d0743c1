#include "memmgr/genetic_planner.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <span>
#include <thread>
#include <unordered_set>

#include "common/splitmix.h"
#include "memmgr/exact_search.h"
#include "memmgr/placement_decoder.h"
#include "memmgr/plan_validator.h"

namespace tetris::memmgr {
namespace {

constexpr std::size_t kPopulation = 48;  // at most; fewer when a decode is dear (population_for)
constexpr std::size_t kMinPopulation = 8;
// A population small enough that the work budget left after the heuristic seeds pays for about
// this many generations (a child re-decodes half an order on average): on a big, dense problem
// 48 seeds alone can spend the budget, and a search that stops at its seeds is no search.
constexpr std::uint64_t kGenerationsTheBudgetShouldBuy = 24;
constexpr std::size_t kTournament = 3;
constexpr double kMutationRate = 0.5;
constexpr double kTargetedRate = 0.4;
constexpr std::uint64_t kStagnationGenerations = 150;
constexpr int kExactProbes = 6;
constexpr std::uint64_t kExactNodesPerBuffer = 2000;  // per probe; MiniMalloc's hard cases need ~500
constexpr std::uint64_t kExactNodesPerProbeCap = 2000000;
// Steps (memmgr/exact_search.h) a probe may spend: 0.5-1.2 s on the reference machine. The probe
// for a capacity nothing fits yet may spend 16 times as much (and 90% of the time limit): each
// of MiniMalloc's A-F fits its capacity in that first probe, within 8.5e8 steps. A 494-buffer
// topology-level cascade problem spent 3e10 steps (70 s) on one probe's node budget.
constexpr std::uint64_t kExactStepsPerProbe = 250000000;
constexpr std::uint64_t kExactStepsForCapacity = 4000000000;
constexpr double kExactShareOfTime = 0.6;
constexpr double kCapacityProbeShareOfTime = 0.9;  // the probe for a capacity nothing fits yet
// A node of the branch and bound scans the unplaced buffers of its part, so on a problem of many
// thousands of buffers a probe spends its whole share of the time without an answer (a synthetic
// 10^4-buffer problem: 6 s for nothing); the genetic search gets that time instead. MiniMalloc's
// instances and the zoo's interval problems have a few hundred.
constexpr std::size_t kExactMaxBuffers = 4096;
// The lowest-first order may use this fraction of the work budget (1/8): the zoo's problems need
// at most a thirtieth of the default (ResNet-50 / 16 cores / p2p: 17.8 M pairs), ResNet-50 /
// 16 cores / p2p at batch 16 (1,653 blocks) 42 M, the 10^4-buffer synthetic problem 10 M.
constexpr std::uint64_t kLowestFirstShareOfWork = 8;
// Above this many buffers it is not tried: on the 10^5-buffer synthetic problem it had placed 97%
// of the buffers when its eighth ran out (about 1 s), the last ones re-evaluated over and over as
// the plan fills, so the search lost that second for nothing.
constexpr std::size_t kLowestFirstMaxBuffers = 65536;

struct Individual {
  std::vector<BufferId> order;
  std::vector<Offset> offsets;  // per buffer
  Offset peak = 0;
  std::uint64_t hash = 0;
};

std::uint64_t order_hash(const std::vector<BufferId>& order) {
  std::uint64_t h = 1469598103934665603ull;
  for (BufferId b : order) h = (h ^ b) * 1099511628211ull;
  return h;
}


std::vector<std::vector<BufferId>> heuristic_orders(const Problem& problem) {
  const auto buffers = problem.buffers();
  std::vector<Offset> degree(buffers.size(), 0);  // bytes of conflicting buffers
  for (BufferId b = 0; b < buffers.size(); ++b)
    for (BufferId other : problem.conflicting_buffers(b)) degree[b] += buffers[other].size;
  std::vector<BufferId> identity(buffers.size());
  std::iota(identity.begin(), identity.end(), 0);
  auto sorted = [&](auto key) {  // descending key, then index
    auto order = identity;
    std::stable_sort(order.begin(), order.end(), [&](BufferId a, BufferId b) { return key(a) > key(b); });
    return order;
  };
  auto size = [&](BufferId b) { return static_cast<double>(buffers[b].size); };
  auto area = [&](BufferId b) { return static_cast<double>(buffers[b].size) * buffers[b].lifespan.length(); };
  auto duration = [&](BufferId b) { return static_cast<double>(buffers[b].lifespan.length()); };
  auto conflicts = [&](BufferId b) { return static_cast<double>(degree[b]); };
  auto early = [&](BufferId b) { return -static_cast<double>(buffers[b].lifespan.lower); };
  return {sorted(size), sorted(area), sorted(duration), sorted(conflicts), sorted(early)};
}

class GeneticSearch {
 public:
  // `extra_seed`, when given, joins the classic heuristic orders as one more seed; without the
  // exact phase (`exact`), the search is seeds and evolution only. Evolution may use
  // `evolution_share` of the time left when it starts (the seeds and the exact phase keep their
  // shares of the whole limit).
  GeneticSearch(const Problem& problem, const PlannerOptions& options,
                std::shared_ptr<const CollisionTable> collisions, std::vector<BufferId> extra_seed, bool exact,
                double evolution_share = 1.0)
      : problem_(problem), options_(options), n_(problem.buffers().size()), extra_seed_(std::move(extra_seed)),
        exact_(exact), evolution_share_(evolution_share) {
    const unsigned threads = std::max(1u, options.threads);
    for (unsigned t = 0; t < threads; ++t) decoders_.emplace_back(problem, collisions);
  }

  PlanResult run() {
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    PlanResult result{.planner = "tetris"};
    if (n_ == 0) return result;

    const Deadline deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                          std::chrono::duration<double>(options_.time_limit_seconds));
    // The first moment the best plan fits the capacity: what a user with a fixed arena waits for.
    auto note_fit = [&] {
      if (!result.seconds_to_fit && problem_.capacity() && population_.front().peak <= *problem_.capacity())
        result.seconds_to_fit = elapsed();
    };
    result.time_limited = !seed_population(deadline);
    note_fit();
    if (exact_ && problem_.is_interval_problem() && n_ <= kExactMaxBuffers && !result.time_limited) {
      exact_phase(start, note_fit);
    }
    std::uint64_t generation = 0, last_improvement = 0;
    Offset best = population_.front().peak;
    double last_report = -1;
    const auto evolution_start = std::chrono::steady_clock::now();
    const Deadline evolution_deadline =
        evolution_start >= deadline
            ? deadline
            : evolution_start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    (deadline - evolution_start) * evolution_share_);
    while (best > problem_.lower_bound() && generation < options_.max_generations && total_work() < options_.max_work &&
           !result.time_limited) {
      if (std::chrono::steady_clock::now() >= evolution_deadline) {
        result.time_limited = true;
        break;
      }
      ++generation;
      const bool restart = generation - last_improvement > kStagnationGenerations;
      if (!evolve(generation, restart, evolution_deadline)) result.time_limited = true;
      if (restart) last_improvement = generation;
      if (population_.front().peak < best) {
        best = population_.front().peak;
        last_improvement = generation;
        note_fit();
      }
      if (options_.on_progress && elapsed() - last_report >= 0.1) {
        last_report = elapsed();
        options_.on_progress({generation, best, problem_.lower_bound(), last_report});
      }
    }
    const Individual& winner = population_.front();
    result.offsets = winner.offsets;
    result.peak = winner.peak;
    result.generations = generation;
    result.work = total_work();
    result.seconds = elapsed();
    if (options_.on_progress) options_.on_progress({generation, best, problem_.lower_bound(), result.seconds});
    return result;
  }

 private:
  void decode(Individual& child, std::size_t reuse_prefix, PlacementDecoder& decoder,
              std::optional<Deadline> deadline = std::nullopt) {
    child.offsets.resize(n_);
    child.peak = decoder.decode(child.order, child.offsets, reuse_prefix, deadline);
    child.hash = order_hash(child.order);
  }

  // Decodes individuals[i] from reuse[i] on over the threads; each thread checks the deadline
  // before each decode, except that the first individual is always decoded. Returns which were.
  // A decode the deadline overtakes stacks its remaining buffers (PlacementDecoder::decode): a
  // valid plan at once, and deadline_hit_ ends the search.
  std::vector<char> decode_all(std::vector<Individual>& individuals, std::span<const std::size_t> reuse,
                               Deadline deadline, bool first_always = true) {
    std::vector<char> decoded(individuals.size(), 0);
    const std::size_t threads = decoders_.size();
    std::vector<char> cut(threads, 0);
    auto work = [&](std::size_t t) {
      for (std::size_t i = t; i < individuals.size(); i += threads) {
        if ((i > 0 || !first_always) && std::chrono::steady_clock::now() >= deadline) return;
        decode(individuals[i], reuse[i], decoders_[t], deadline);
        decoded[i] = 1;
        if (decoders_[t].interrupted()) {
          cut[t] = 1;
          return;
        }
      }
    };
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work, t);
    work(0);
    for (auto& thread : pool) thread.join();
    if (std::find(cut.begin(), cut.end(), 1) != cut.end()) deadline_hit_ = true;
    return decoded;
  }

  // Keeps the decoded individuals only; true when that is all of them.
  static bool keep_decoded(std::vector<Individual>& individuals, const std::vector<char>& decoded) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < individuals.size(); ++i)
      if (decoded[i]) {
        if (kept != i) individuals[kept] = std::move(individuals[i]);  // a self-move would empty it
        ++kept;
      }
    const bool all = kept == individuals.size();
    individuals.resize(kept);
    return all;
  }

  // Moves a buffer that touches the peak to a random earlier position; returns the first changed index.
  std::size_t targeted_move(Individual& child, std::mt19937_64& rng) const {
    std::vector<std::size_t> at_peak;
    for (std::size_t i = 0; i < n_; ++i) {
      const BufferId b = child.order[i];
      if (child.offsets[b] + problem_.buffers()[b].size == child.peak && i > 0) at_peak.push_back(i);
    }
    if (at_peak.empty()) return n_;
    const std::size_t from = at_peak[rng() % at_peak.size()];
    const std::size_t to = rng() % from;
    std::rotate(child.order.begin() + to, child.order.begin() + from, child.order.begin() + from + 1);
    return to;
  }

  std::size_t mutate(Individual& child, std::size_t keep, std::mt19937_64& rng) const {
    if (keep + 1 >= n_) keep = n_ > 2 ? rng() % (n_ - 1) : 0;
    std::uniform_int_distribution<std::size_t> pick(keep, n_ - 1);
    const std::size_t a = pick(rng), b = pick(rng);
    if (rng() & 1) {
      std::swap(child.order[a], child.order[b]);
    } else if (a < b) {
      std::rotate(child.order.begin() + a, child.order.begin() + b, child.order.begin() + b + 1);
    } else {
      std::rotate(child.order.begin() + b, child.order.begin() + b + 1, child.order.begin() + a + 1);
    }
    return std::min(a, b);
  }

  // The heuristic orders first, then perturbations of them, all decoded over the threads. On a
  // big problem a decode takes long, so each thread checks the deadline before each: returns
  // false when it cut the seeds short (at least the first heuristic order is always decoded).
  // What the heuristic orders cost sets the population (population_for); a perturbation keeps
  // its parent's bases up to its first change, as a child does.
  bool seed_population(Deadline deadline) {
    std::vector<Individual> seeds;
    for (auto& order : heuristic_orders(problem_)) seeds.push_back({std::move(order), {}, 0, 0});
    bool complete = keep_decoded(seeds, decode_all(seeds, std::vector<std::size_t>(seeds.size(), 0), deadline)) &&
                    !deadline_hit_;
    if (complete && !extra_seed_.empty()) {
      Individual seed{extra_seed_, {}, 0, 0};
      decode(seed, 0, decoders_[0], deadline);
      if (decoders_[0].interrupted()) deadline_hit_ = true;  // a valid plan, but the search ends
      complete = !deadline_hit_;
      seeds.push_back(std::move(seed));
    }
    population_size_ = population_for(total_work() / std::max<std::size_t>(seeds.size(), 1));
    const std::size_t heuristics = seeds.size();
    std::mt19937_64 rng(splitmix64(options_.seed));
    std::vector<Individual> perturbed;
    std::vector<std::size_t> reuse;
    while (complete && seeds.size() + perturbed.size() < population_size_) {
      Individual child = seeds[(seeds.size() + perturbed.size()) % heuristics];
      std::size_t first = n_;
      for (int k = 0; k < 3; ++k) first = std::min(first, mutate(child, 0, rng));
      perturbed.push_back(std::move(child));
      reuse.push_back(first);
    }
    complete = complete && keep_decoded(perturbed, decode_all(perturbed, reuse, deadline, /*first_always=*/false)) &&
               !deadline_hit_;
    population_ = std::move(seeds);
    survive(std::move(perturbed));
    return complete;
  }

  // 48 where the budget allows; else as many as let the budget left buy kGenerationsTheBudget-
  // ShouldBuy generations of children that re-decode half an order each, at least kMinPopulation.
  std::size_t population_for(std::uint64_t work_per_decode) const {
    const std::uint64_t spent = total_work();
    const std::uint64_t left = options_.max_work > spent ? options_.max_work - spent : 0;
    const std::uint64_t per_child = std::max<std::uint64_t>(work_per_decode / 2, 1);
    const std::uint64_t affordable = left / (per_child * kGenerationsTheBudgetShouldBuy);
    return static_cast<std::size_t>(std::clamp<std::uint64_t>(affordable, kMinPopulation, kPopulation));
  }

  std::uint64_t total_work() const {
    std::uint64_t sum = 0;
    for (const PlacementDecoder& decoder : decoders_) sum += decoder.work();
    return sum;
  }

  // Asks the exact search for plans under ever lower capacities: first the problem's capacity if
  // it lies between the bound and the best plan known, then the lower bound (success ends the
  // search with an optimal plan), then bisection between the lowest capacity not yet reached and
  // the best plan. Each probe may use half the exact phase's remaining time (the first that asks
  // for the capacity, all of it); a plan found joins the population as its placement order.
  // `note_fit` is told after each plan a probe finds: the first that fits the capacity is the
  // moment a user with a fixed arena has a plan, though the later probes (lower targets) go on.
  template <class NoteFit>
  void exact_phase(std::chrono::steady_clock::time_point start, NoteFit note_fit) {
    using Clock = std::chrono::steady_clock;
    const Deadline deadline = start + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(options_.time_limit_seconds * kExactShareOfTime));
    Offset low = problem_.lower_bound();
    // The capacity first: fitting it is what the user asked for, and it is usually much easier
    // than the bound, so a slow machine cannot spend the whole phase on the bound alone.
    std::vector<Offset> targets;
    if (problem_.capacity() && *problem_.capacity() > low) targets.push_back(*problem_.capacity());
    targets.push_back(low);
    for (int probe = 0; probe < kExactProbes; ++probe) {
      const Offset best = population_.front().peak;
      Offset target;
      if (!targets.empty()) {
        target = targets.front();
        targets.erase(targets.begin());
      } else {
        target = low + (best - low) / 2;
      }
      if (target >= best || Clock::now() >= deadline) {
        if (targets.empty()) break;
        continue;
      }
      // Until a plan fits the capacity the user has nothing to use, so the probe that asks for it
      // (the capacity, or the bound when that is the capacity) may run to 90% of the time limit;
      // later probes take half of what is left of the phase. With half of 60%, a 3 s limit left
      // MiniMalloc's A, B and F over their capacity, which they reach in 1-2.5 s.
      const bool fits_nothing_yet = problem_.capacity() && best > *problem_.capacity() && target <= *problem_.capacity();
      const Deadline probe_deadline =
          fits_nothing_yet ? start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                                         options_.time_limit_seconds * kCapacityProbeShareOfTime))
                           : Clock::now() + (deadline - Clock::now()) / 2;
      const std::uint64_t nodes = std::min(kExactNodesPerProbeCap, kExactNodesPerBuffer * std::max<std::uint64_t>(n_, 5));
      const ExactSearchResult found = search_fit(
          problem_, target, {nodes, fits_nothing_yet ? kExactStepsForCapacity : kExactStepsPerProbe}, probe_deadline);
      if (found.answer == FitAnswer::fits) {
        Individual individual{found.order, {}, 0, 0};
        decode(individual, 0, decoders_[0]);
        population_.push_back(std::move(individual));
        survive({});
        note_fit();
      } else if (target >= low && target < population_.front().peak) {
        low = target + 1;  // proved too small, or not found within budget: look higher
      }
      if (population_.front().peak <= problem_.lower_bound()) break;
    }
  }

  const Individual& tournament(std::mt19937_64& rng) const {
    std::size_t best = rng() % population_.size();
    for (std::size_t k = 1; k < kTournament; ++k) best = std::min(best, static_cast<std::size_t>(rng() % population_.size()));
    return population_[best];  // the population is sorted, so the lowest index is the fittest
  }

  // One generation; false when the deadline cut it (its decoded children still compete).
  bool evolve(std::uint64_t generation, bool restart, Deadline deadline) {
    std::vector<Individual> children(population_size_);
    std::vector<std::size_t> reuse(population_size_, 0);
    for (std::size_t i = 0; i < population_size_; ++i) {
      // Independent, reproducible streams per (seed, generation, child).
      std::mt19937_64 rng(splitmix64(splitmix64(options_.seed) ^ splitmix64(generation * kPopulation + i)));
      std::uniform_real_distribution<double> coin(0, 1);
      Individual& child = children[i];
      if (restart) {  // heavy perturbation of the best
        child = population_.front();
        std::size_t first = n_;
        const int moves = 2 + static_cast<int>(rng() % std::max<std::size_t>(3, n_ / 10));
        for (int k = 0; k < moves; ++k) first = std::min(first, mutate(child, 0, rng));
        reuse[i] = first;
        continue;
      }
      const Individual& p1 = tournament(rng);
      const Individual& p2 = tournament(rng);
      // One-point order crossover: p1's prefix, then the rest in p2's order.
      const std::size_t cut = rng() % (n_ + 1);
      child.order.assign(p1.order.begin(), p1.order.begin() + cut);
      child.offsets = p1.offsets;
      child.peak = p1.peak;
      std::vector<bool> taken(n_, false);
      for (BufferId b : child.order) taken[b] = true;
      for (BufferId b : p2.order)
        if (!taken[b]) child.order.push_back(b);
      std::size_t first_changed = cut;
      if (coin(rng) < kTargetedRate) {
        // Lift a buffer at p1's peak; valid because child's prefix before `cut` is p1's.
        Individual probe = p1;
        const std::size_t to = targeted_move(probe, rng);
        if (to < n_) {
          child = std::move(probe);
          first_changed = to;
        }
      }
      if (coin(rng) < kMutationRate) first_changed = std::min(first_changed, mutate(child, first_changed, rng));
      reuse[i] = first_changed;
    }
    // Decoding is the expensive part: split it over the threads.
    const bool complete = keep_decoded(children, decode_all(children, reuse, deadline)) && !deadline_hit_;
    if (restart) population_.resize(1);
    survive(std::move(children));
    return complete;
  }

  // (mu + lambda): the best population_size_ distinct orders of parents and children.
  void survive(std::vector<Individual> children) {
    for (auto& c : children) population_.push_back(std::move(c));
    std::stable_sort(population_.begin(), population_.end(),
                     [](const Individual& a, const Individual& b) { return a.peak < b.peak; });
    std::unordered_set<std::uint64_t> seen;
    std::vector<Individual> next;
    for (auto& individual : population_) {
      if (next.size() == population_size_) break;
      if (seen.insert(individual.hash).second) next.push_back(std::move(individual));
    }
    population_ = std::move(next);
  }

  const Problem& problem_;
  const PlannerOptions options_;  // a copy: plan_tetris builds each search's options in place
  const std::size_t n_;
  const std::vector<BufferId> extra_seed_;
  const bool exact_;
  const double evolution_share_;
  std::vector<PlacementDecoder> decoders_;
  std::vector<Individual> population_;
  std::size_t population_size_ = kPopulation;
  bool deadline_hit_ = false;  // a decode was cut by the deadline
};

}  // namespace

PlanResult run_genetic_search(const Problem& problem, const PlannerOptions& options, std::vector<BufferId> extra_seed,
                              bool exact) {
  return GeneticSearch(problem, options, std::make_shared<const CollisionTable>(problem), std::move(extra_seed), exact)
      .run();
}

PlanResult plan_tetris(const Problem& problem, const PlannerOptions& options) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(options.time_limit_seconds));
  const auto collisions = std::make_shared<const CollisionTable>(problem);  // built once for both
  // One search's options: what is left of the time limit, `work` of the budget, and progress
  // reported as the portfolio's (generations and the best peak so far, seconds since the start).
  std::uint64_t generations_before = 0;
  Offset best_before = std::numeric_limits<Offset>::max();
  double started = 0;
  const auto search_options = [&](std::uint64_t work) {
    PlannerOptions o = options;
    o.time_limit_seconds = std::max(0.0, options.time_limit_seconds - elapsed());
    o.max_work = work;
    started = elapsed();
    if (options.on_progress)
      o.on_progress = [&, started](const SearchProgress& p) {
        options.on_progress({generations_before + p.generation, std::min(best_before, p.best_peak), p.lower_bound,
                             started + p.seconds});
      };
    return o;
  };
  // One search, its time to fit counted from the portfolio's start.
  const auto search = [&](std::uint64_t work, std::vector<BufferId> extra_seed, bool exact,
                          double evolution_share = 1.0) {
    PlanResult r =
        GeneticSearch(problem, search_options(work), collisions, std::move(extra_seed), exact, evolution_share).run();
    if (r.seconds_to_fit) *r.seconds_to_fit += started;
    return r;
  };
  // Counters and times of the whole portfolio; one last progress report that matches them.
  const auto finish = [&](PlanResult r) {
    r.seconds = elapsed();
    if (options.on_progress) options.on_progress({r.generations, r.peak, problem.lower_bound(), r.seconds});
    return r;
  };
  // The lowest-first order first: where it gives up (a dense problem), one search takes the
  // whole budget, since a second search on the classic seeds alone would replay the first.
  // It gets the same share of the time limit as of the work budget, so that where the clock
  // stops it the search after it still has most of the time.
  PlacementDecoder decoder(problem, collisions);
  std::vector<Offset> offsets(problem.buffers().size());
  std::optional<std::vector<BufferId>> lowest_first;
  const std::uint64_t lowest_first_budget = options.max_work / kLowestFirstShareOfWork;
  const bool tried = !problem.buffers().empty() && problem.buffers().size() <= kLowestFirstMaxBuffers;
  if (tried)
    lowest_first = decoder.lowest_first_order(
        offsets, lowest_first_budget,
        start + std::chrono::duration_cast<Clock::duration>(
                    std::chrono::duration<double>(options.time_limit_seconds / kLowestFirstShareOfWork)));
  const std::uint64_t spent = decoder.work();
  const std::uint64_t left = options.max_work > spent ? options.max_work - spent : 0;
  if (!lowest_first) {
    PlanResult only = search(left, {}, /*exact=*/true);
    only.work += spent;
    // Stopped by its deadline rather than its work budget: the clock chose one search over two.
    only.time_limited = only.time_limited || (tried && spent <= lowest_first_budget);
    return finish(std::move(only));
  }
  // Each search keeps the whole generation budget: halving it too left AlexNet / 4 cores /
  // barrier at 1.11 x the bound where one search of 2000 generations reaches 1.02.
  // The first search's evolution gets half of the time left then: where the clock, not the work,
  // ends the searches (a long --time-limit with a big --max-work, or a slow machine), a first
  // search that evolved to the limit left the second no time, so more time gave a worse plan
  // (ResNet-50 / 4 cores / p2p: 1.124 x the bound by default, 1.147 with 30 s and an unbounded
  // budget). Its seeds and exact probes keep their shares of the whole limit, and a first search
  // that stops on its work leaves the second all the rest.
  PlanResult first = search(options.max_work / 2, {}, /*exact=*/true, /*evolution_share=*/0.5);
  first.work += spent;
  if (first.peak <= problem.lower_bound()) return finish(std::move(first));
  if (Clock::now() >= deadline) {
    first.time_limited = true;  // the clock, not the budgets, skipped the second search
    return finish(std::move(first));
  }
  generations_before = first.generations;
  best_before = first.peak;
  const std::uint64_t second_work = options.max_work / 2 > spent ? options.max_work / 2 - spent : 0;
  // No exact phase: the first search's probes asked the same questions of the same problem.
  PlanResult second = search(second_work, std::move(*lowest_first), /*exact=*/false);
  const std::uint64_t generations = first.generations + second.generations;
  const std::uint64_t work = first.work + second.work;
  const std::optional<double> fit = first.seconds_to_fit ? first.seconds_to_fit : second.seconds_to_fit;
  const bool time_limited = first.time_limited || second.time_limited;
  const bool second_won = second.peak < first.peak;
  PlanResult result = second_won ? std::move(second) : std::move(first);
  result.generations = generations;
  result.work = work;
  result.seconds_to_fit = fit;
  result.time_limited = time_limited;
  result.notes = second_won ? "won by the search seeded lowest-first" : "won by the search on the classic seeds";
  return finish(std::move(result));
}

}  // namespace tetris::memmgr
