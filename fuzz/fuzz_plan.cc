#include "fuzz_target.h"
#include "common/plan_file.h"

TETRIS_FUZZ_TARGET(tetris::read_plan(input, "fuzz.yaml"))
