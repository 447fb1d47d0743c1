#include "fuzz_target.h"
#include "workloads/onnx_import.h"

TETRIS_FUZZ_TARGET(tetris::workloads::import_onnx(input, "fuzz.onnx", {}))
