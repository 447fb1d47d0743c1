#include "fuzz_target.h"
#include "memmgr/plan_io.h"

TETRIS_FUZZ_TARGET(tetris::memmgr::read_plan(input, "fuzz.yaml"))
