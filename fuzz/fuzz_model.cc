#include "fuzz_target.h"
#include "workloads/model_yaml.h"

TETRIS_FUZZ_TARGET(tetris::workloads::parse_model_yaml(input, "fuzz.yaml", {}))
