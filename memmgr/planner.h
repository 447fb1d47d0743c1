// The planner interface and registry: every planner maps a Problem to one base offset per buffer.
// Results always go through validate_plan (plan_validator.h) before anyone trusts them.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "memmgr/problem.h"

namespace tetris::memmgr {

// What a long search reports to whoever shows progress (the CLI draws a line on a terminal).
struct SearchProgress {
  std::uint64_t generation = 0;
  Offset best_peak = 0;
  Offset lower_bound = 0;
  double seconds = 0;
};

// More search threads than this only contend (the population has 64 members); the CLI refuses more.
inline constexpr unsigned kMaxSearchThreads = 64;

// About 3 s of the search's decoding on the 2-core development machine (docs/planners.md).
inline constexpr std::uint64_t kDefaultSearchWork = std::uint64_t{1} << 29;

struct PlannerOptions {
  std::uint64_t seed = 1;
  double time_limit_seconds = 10.0;         // the search stops here at the latest
  std::uint64_t max_generations = 2000;     // ... or after this many, per search (deterministic)
  // ... or once its decodes have visited this many conflicting buffer pairs (deterministic too;
  // the Tetris planner's two searches share it):
  // the budget that scales with the problem, so a big problem stops on every machine at the same
  // generation, well inside the time limit, instead of wherever the clock cuts it.
  std::uint64_t max_work = kDefaultSearchWork;
  unsigned threads = 2;                     // results depend on seed and threads only
  std::function<void(const SearchProgress&)> on_progress;  // called at most ~10 times a second
};

struct PlanResult {
  std::string planner{};
  std::vector<Offset> offsets{};  // per buffer
  Offset peak = 0;
  double seconds = 0;
  std::uint64_t generations = 0;  // search planners only
  std::uint64_t work = 0;         // search planners: conflicting buffer pairs visited
  // The time limit stopped the search before its generations (or seeds) were done, so the plan
  // depends on the machine's speed and load.
  bool time_limited = false;
  // When the search first held a plan within the problem's capacity (seconds from its start;
  // none: no capacity, or never within it). Wall time, so it varies with the machine's load.
  std::optional<double> seconds_to_fit{};
  std::string notes{};            // e.g. which ordering won
};

struct PlannerInfo {
  std::string_view name;
  std::string_view summary;
  std::function<PlanResult(const Problem&, const PlannerOptions&)> plan;
  // Places by the lifespan schedule (alloc at start, free at end): safe only on interval problems
  // (Problem::is_interval_problem), so callers refuse it on others.
  bool interval_problems_only;
};

std::span<const PlannerInfo> planners();
const PlannerInfo* find_planner(std::string_view name);

}  // namespace tetris::memmgr
