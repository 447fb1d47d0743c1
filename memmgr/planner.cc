#include "memmgr/planner.h"

#include <array>
#include <chrono>

#include "memmgr/bfc_planner.h"
#include "memmgr/genetic_planner.h"
#include "memmgr/greedy_by_breadth_planner.h"
#include "memmgr/greedy_by_size_planner.h"
#include "memmgr/naive_planner.h"
#include "memmgr/tflm_greedy_planner.h"
#include "memmgr/xla_best_fit_planner.h"

namespace tetris::memmgr {
namespace {

// Wraps a planner so every result carries its wall time.
template <PlanResult (*F)(const Problem&, const PlannerOptions&)>
PlanResult timed(const Problem& problem, const PlannerOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  PlanResult result = F(problem, options);
  if (result.seconds == 0)
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

const std::array<PlannerInfo, 7> kPlanners = {{
    {"tetris", "genetic search over placement orders (this project)", timed<plan_tetris>, false},
    {"naive", "no reuse: buffers stacked", timed<plan_naive>, false},
    {"tf-bfc", "TensorFlow BFC allocator on the alloc/free sequence", timed<plan_bfc>, true},
    {"tflm-greedy", "TFLite Micro GreedyMemoryPlanner (first fit, largest first)", timed<plan_tflm_greedy>, false},
    {"greedy-size", "TFLite GPU greedy by size (best interior gap)", timed<plan_greedy_by_size>, false},
    {"greedy-breadth", "greedy by breadth (Pisarchyk & Lee 2020), offsets", timed<plan_greedy_by_breadth>, false},
    {"xla-best-fit", "XLA GlobalDecreasingSizeBestFitHeap, spatial and temporal", timed<plan_xla_best_fit>, false},
}};

}  // namespace

std::span<const PlannerInfo> planners() { return kPlanners; }

const PlannerInfo* find_planner(std::string_view name) {
  for (const auto& planner : kPlanners)
    if (planner.name == name) return &planner;
  return nullptr;
}

}  // namespace tetris::memmgr
