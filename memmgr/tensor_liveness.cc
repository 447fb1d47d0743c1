#include "memmgr/tensor_liveness.h"

#include <algorithm>
#include <limits>
#include <vector>

#include <fmt/format.h>

namespace tetris::memmgr {

Problem tensor_liveness(const Program& program, const HappensBefore& hb, std::uint64_t alignment,
                        std::string_view origin) {
  const std::uint32_t cores = hb.cores();
  // Blocks are numbered tensor by tensor.
  std::vector<std::uint32_t> first_block(program.tensors.size() + 1, 0);
  for (TensorId t = 0; t < program.tensors.size(); ++t)
    first_block[t + 1] = first_block[t] + program.tensors[t].block_count();
  const std::uint32_t blocks = first_block.back();
  constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();
  std::vector<std::uint64_t> first_access(blocks, kNever);
  // Per block and core: one past the block's last access on that core (0: none there).
  std::vector<std::uint32_t> done_on(static_cast<std::size_t>(blocks) * cores, 0);
  for (CoreId c = 0; c < cores; ++c) {
    const auto& stream = program.streams[c];
    for (std::uint32_t i = 0; i < stream.size(); ++i) {
      const auto* load = std::get_if<Load>(&stream[i].op);
      const auto* store = std::get_if<Store>(&stream[i].op);
      if (!load && !store) continue;
      const TensorId t = load ? load->tensor : store->tensor;
      const std::uint64_t offset = load ? load->range.offset : store->range.offset;
      const std::uint32_t b = first_block[t] + program.tensors[t].block_of(offset);
      first_access[b] = std::min(first_access[b], hb.position({c, i}));
      done_on[static_cast<std::size_t>(b) * cores + c] = i + 1;
    }
  }
  // unaware[c][k]: one past the last position of a load or store that does not know core c's
  // first k instructions (its clock entry for c is below k); every later one does.
  std::vector<std::vector<std::uint64_t>> unaware(cores);
  for (CoreId c = 0; c < cores; ++c) unaware[c].assign(hb.stream_length(c) + 2, 0);
  // Only loads and stores count: an instruction that touches no memory cannot clash with a
  // tensor placed on the freed bytes, whatever it knows.
  for (CoreId e = 0; e < cores; ++e)
    for (std::uint32_t i = 0; i < hb.stream_length(e); ++i) {
      const Operation& op = program.streams[e][i].op;
      if (!std::holds_alternative<Load>(op) && !std::holds_alternative<Store>(op)) continue;
      const std::uint64_t after = hb.position({e, i}) + 1;
      for (CoreId c = 0; c < cores; ++c) {
        // Instruction (e, i) knows k = known() of c's instructions: it is unaware of any more.
        auto& slot = unaware[c][hb.known({e, i}, c) + 1];
        slot = std::max(slot, after);
      }
    }
  for (CoreId c = 0; c < cores; ++c)
    for (std::size_t k = 1; k < unaware[c].size(); ++k) unaware[c][k] = std::max(unaware[c][k], unaware[c][k - 1]);

  const TimeValue end = hb.total_instructions();
  ProblemBuilder builder;
  builder.set_overflow_remedy(std::string(ProblemBuilder::kBlockOverflowRemedy));
  for (TensorId t = 0; t < program.tensors.size(); ++t) {
    const Tensor& tensor = program.tensors[t];
    if (!is_planned(tensor.kind)) continue;
    for (std::uint32_t k = 0; k < tensor.block_count(); ++k) {
      const std::uint32_t b = first_block[t] + k;
      TimeValue lower = tensor.kind == TensorKind::input || first_access[b] == kNever ? 0 : first_access[b];
      TimeValue upper = lower + 1;
      for (CoreId c = 0; c < cores; ++c)
        if (const std::uint32_t done = done_on[static_cast<std::size_t>(b) * cores + c]; done > 0)
          upper = std::max(upper, unaware[c][done]);
      if (tensor.kind == TensorKind::output) upper = std::max(upper, end + 1);
      const std::uint64_t size = tensor.block_end(k) - tensor.block_begin(k);
      builder.add_piece(builder.add_buffer(block_name(tensor, k), size, alignment), 0, size, {lower, upper});
    }
  }
  builder.add_lifespan_conflicts();
  return builder.build(fmt::format("tensor-level liveness under happens-before of {}", origin),
                       {.lifespans_conflict = true, .rigid_pairs = false, .level = "tensor level",
                        .live_bytes = "maximum live bytes, each tensor block alive until all its accesses happen before",
                        .live_together = {}, .live_together_source = {}});
}

}  // namespace tetris::memmgr
