#include "fuzz_target.h"
#include "memmgr/minimalloc_csv.h"
#include "memmgr/naive_planner.h"
#include "memmgr/plan_validator.h"

// What reads is also planned (cheaply) and validated.
TETRIS_FUZZ_TARGET({
  const auto problem = tetris::memmgr::read_minimalloc_csv(input, "fuzz.csv", 1 << 20);
  const auto plan = tetris::memmgr::plan_naive(problem, {});
  if (tetris::memmgr::validate_plan(problem, plan.offsets, ~std::uint64_t{0})) __builtin_trap();
})
