#include "fuzz_target.h"
#include "memmgr/problem_io.h"

TETRIS_FUZZ_TARGET(tetris::memmgr::read_problem(input, "fuzz.json"))
