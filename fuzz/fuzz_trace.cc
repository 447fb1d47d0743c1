#include "common/trace_io.h"
#include "fuzz_target.h"

// A trace that reads is also written and read again: the writer must accept what the reader does.
TETRIS_FUZZ_TARGET({
  const tetris::Program program = tetris::read_trace(input, "fuzz.trace");
  const std::string text = tetris::write_trace(program);
  if (tetris::write_trace(tetris::read_trace(text, "again")) != text) __builtin_trap();
})
