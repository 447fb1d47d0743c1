// The Tetris planner: genetic searches over placement orders, decoded by PlacementDecoder.
// A portfolio of two searches, each in phases: seeds, exact probes (the first only), evolution.
//
// Phase 1 (seed): the orders of the classic heuristics (size, area = size x lifespan, lifespan,
// conflict degree, start) are decoded; the best is the search's starting point, and the rest of
// the population are perturbations of them.
// Phase 2 (exact, interval problems only): a bounded branch and bound (exact_search.h) asks for
// a plan at the problem's capacity, then at the lower bound, then bisects towards the best plan
// known; any plan it finds enters the population as its placement order. It gets a node budget
// per probe and at most 60% of the time limit.
// Phase 3 (evolve): tournament selection; one-point order crossover (the child keeps a prefix of
// one parent, the remaining buffers in the other parent's order) so a child re-decodes only after
// the cut; swap and insert mutations; a peak-targeted move that lifts a buffer touching the peak
// to an earlier position, since only such buffers can lower it; elitist (mu + lambda) survival
// with duplicate orders removed.
// Phase 4 (restart): after a stretch without improvement, all but the best are replaced by
// heavy perturbations of the best and fresh heuristic orders.
// A search stops at the problem's lower bound, at the generation limit, once its decodes have
// spent its work budget, or at the time limit. Children are made by per-child random streams
// derived from (seed, generation, index), so the result depends on the seed and not on the thread
// count or timing, unless the time limit cuts the search.
//
// plan_tetris runs a portfolio of two such searches with the whole generation budget each. It
// first builds the lowest-first order (PlacementDecoder::lowest_first_order) on at most an eighth
// of the work budget and of the time limit (not above 65,536 buffers). Then one search on the
// classic seeds with half the work budget, whose evolution may use half of the time then left,
// and (unless it reached the bound or the time limit) one without the exact phase that adds the
// lowest-first order to them, on the other half less what that order cost and the rest of the
// time; it keeps the better plan (the first on a tie). Where the order gives
// up, one search on the classic seeds takes the rest of the budget. The lowest-first order alone
// is no better than the classic seeds, but as genetic material it lifts some problems far
// (AlexNet / 4 cores / p2p: 1.46 -> 1.10 x the bound); as a sixth seed of one search, the
// population converged into its basin on others (AlexNet / 4 cores / barrier 1.02 -> 1.19),
// which a separate search avoids.
#pragma once

#include "memmgr/planner.h"

namespace tetris::memmgr {

// One genetic search of the portfolio (the phases above; the exact phase only when `exact`), on
// the classic seeds plus `extra_seed` when that is not empty. Public for the tests, which check
// the portfolio against its parts.
PlanResult run_genetic_search(const Problem& problem, const PlannerOptions& options,
                              std::vector<BufferId> extra_seed, bool exact);

// The portfolio: what the `tetris` planner runs.
PlanResult plan_tetris(const Problem& problem, const PlannerOptions& options);

}  // namespace tetris::memmgr
