// A trace that reads and whose synchronisation completes is analysed at instruction level twice:
// conflicts found as blocks (the default) must equal conflicts found piece pair by piece pair
// (the definition), piece for piece, with the same bound; and the decoder's plan of the block
// problem must pass the validator.
#include <limits>
#include <numeric>
#include <vector>

#include "fuzz_target.h"
#include "common/trace_io.h"
#include "memmgr/happens_before.h"
#include "memmgr/instruction_liveness.h"
#include "memmgr/placement_decoder.h"
#include "memmgr/plan_validator.h"

TETRIS_FUZZ_TARGET({
  const tetris::Program program = tetris::read_trace(input, "fuzz.trace");
  std::size_t instructions = 0;
  for (const auto& stream : program.streams) instructions += stream.size();
  if (instructions > 4096) return 0;  // pair by pair grows with the square: keep executions fast
  const tetris::memmgr::HappensBefore hb = tetris::memmgr::HappensBefore::analyze(program, "fuzz.trace");
  tetris::memmgr::InstructionLivenessOptions options;
  options.max_pieces_per_tensor = static_cast<std::uint32_t>(1 + size % 64);  // merged pieces too
  options.max_memory_bytes = std::uint64_t{1} << 30;
  const tetris::memmgr::Problem blocks = tetris::memmgr::instruction_liveness(program, hb, options, "fuzz");
  options.conflict_search = tetris::memmgr::InstructionLivenessOptions::ConflictSearch::pairwise;
  const tetris::memmgr::Problem pairs = tetris::memmgr::instruction_liveness(program, hb, options, "fuzz");
  if (blocks.pieces().size() != pairs.pieces().size() || blocks.conflict_count() != pairs.conflict_count() ||
      blocks.lower_bound() != pairs.lower_bound())
    __builtin_trap();
  for (tetris::memmgr::PieceId p = 0; p < blocks.pieces().size(); ++p)
    if (blocks.conflict_runs(p) != pairs.conflict_runs(p)) __builtin_trap();
  std::vector<tetris::memmgr::BufferId> order(blocks.buffers().size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<tetris::memmgr::Offset> offsets(order.size());
  tetris::memmgr::PlacementDecoder decoder(blocks);
  decoder.decode(order, offsets);
  if (tetris::memmgr::validate_plan(blocks, offsets, std::numeric_limits<tetris::memmgr::Offset>::max()))
    __builtin_trap();
})
