#include "common/machine_config.h"
#include "fuzz_target.h"

TETRIS_FUZZ_TARGET(tetris::parse_machine_config(input, "fuzz.yaml"))
