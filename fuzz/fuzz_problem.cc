#include <limits>
#include <numeric>
#include <vector>

#include "fuzz_target.h"
#include "memmgr/placement_decoder.h"
#include "memmgr/plan_validator.h"
#include "memmgr/problem_io.h"

// A problem that reads is also placed by the Tetris decoder (buffers in file order); the plan
// must pass the validator, whatever the sizes, offsets and conflict runs were.
TETRIS_FUZZ_TARGET({
  const tetris::memmgr::Problem problem = tetris::memmgr::read_problem(input, "fuzz.json");
  std::vector<tetris::memmgr::BufferId> order(problem.buffers().size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<tetris::memmgr::Offset> offsets(order.size());
  tetris::memmgr::PlacementDecoder decoder(problem);
  decoder.decode(order, offsets);
  // Capacity is the one rule a decoder may break (it has no limit); everything else must hold.
  if (tetris::memmgr::validate_plan(problem, offsets, std::numeric_limits<tetris::memmgr::Offset>::max()))
    __builtin_trap();
})
