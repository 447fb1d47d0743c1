// XLA's GlobalDecreasingSizeBestFitHeap (openxla/xla, xla/service/heap_simulator/heap_simulator.cc).
//
// Two orders are tried and the lower peak kept (ties: spatial): spatial (size descending, then
// longer lifespan, then buffer index; upstream's default) and temporal (longer lifespan, then
// size descending, then index). Each buffer takes the smallest free chunk among the placed
// buffers it conflicts with that holds it, lowest offset on ties, and the space above them only
// when no bounded chunk fits.
#pragma once

#include "memmgr/planner.h"

namespace tetris::memmgr {

PlanResult plan_xla_best_fit(const Problem& problem, const PlannerOptions& options);

}  // namespace tetris::memmgr
