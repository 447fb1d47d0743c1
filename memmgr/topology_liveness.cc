#include "memmgr/topology_liveness.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "common/input_error.h"

namespace tetris::memmgr {
namespace {

// The time step of each layer: its own index, except that consecutive layers not separated by a
// barrier share one step when the program synchronises by barriers (a cascade runs its layers
// without one between them, so one core may be in a later layer while another is in an earlier),
// and so do layers whose instructions interleave in a core's stream. Each merged step spans the
// consecutive layers from the lowest to the highest joined; layer-by-layer programs get one step
// per layer (under point-to-point sync, too: its layers are steps as before).
std::vector<LayerId> layer_steps(const Program& program) {
  const std::size_t layers = program.layers.size();
  const bool barriers = !program.barriers.empty();
  std::vector<LayerId> reach(layers);  // the highest layer merged with each layer
  for (LayerId l = 0; l < layers; ++l) reach[l] = l;
  for (const auto& stream : program.streams) {
    std::optional<LayerId> highest, previous;
    bool fenced = false;
    for (const Instruction& instruction : stream) {
      if (std::holds_alternative<Barrier>(instruction.op)) {
        fenced = true;
        continue;
      }
      if (!instruction.layer || *instruction.layer >= layers) continue;
      const LayerId l = *instruction.layer;
      if (highest && *highest > l) reach[l] = std::max(reach[l], *highest);
      if (barriers && previous && *previous < l && !fenced) reach[*previous] = std::max(reach[*previous], l);
      highest = highest ? std::max(*highest, l) : l;
      previous = l;
      fenced = false;
    }
  }
  std::vector<LayerId> step(layers);
  LayerId current = 0, end = 0;
  for (LayerId l = 0; l < layers; ++l) {
    if (l > end) current = l;
    step[l] = current;
    end = std::max(end, reach[l]);
  }
  return step;
}

}  // namespace

Problem topology_liveness(const Program& program, std::uint64_t alignment, std::string_view origin) {
  const std::size_t n = program.tensors.size();
  std::vector<std::optional<LayerId>> first(n), last(n);
  const std::vector<LayerId> steps = layer_steps(program);
  auto touch = [&](std::optional<LayerId>& lo, std::optional<LayerId>& hi, LayerId layer) {
    if (layer < steps.size()) layer = steps[layer];
    lo = lo ? std::min(*lo, layer) : layer;
    hi = hi ? std::max(*hi, layer) : layer;
  };
  for (const auto& stream : program.streams) {
    for (const Instruction& instruction : stream) {
      const auto* load = std::get_if<Load>(&instruction.op);
      const auto* store = std::get_if<Store>(&instruction.op);
      if (!load && !store) continue;
      if (!instruction.layer)
        throw InputError({std::string(origin), instruction.line, 0},
                         "topology-level liveness needs every load and store inside a 'layer' section");
      const TensorId t = load ? load->tensor : store->tensor;
      touch(first[t], last[t], *instruction.layer);
    }
  }
  const auto layers = static_cast<TimeValue>(std::max<std::size_t>(program.layers.size(), 1));
  ProblemBuilder builder;
  builder.set_overflow_remedy(std::string(ProblemBuilder::kBlockOverflowRemedy));
  for (TensorId t = 0; t < n; ++t) {
    const Tensor& tensor = program.tensors[t];
    if (!is_planned(tensor.kind)) continue;
    TimeValue lower = tensor.kind == TensorKind::input ? 0 : first[t].value_or(tensor.producer.value_or(0));
    if (tensor.producer) lower = std::min<TimeValue>(lower, *tensor.producer < steps.size() ? steps[*tensor.producer] : *tensor.producer);
    TimeValue upper = tensor.kind == TensorKind::output ? layers : last[t].value_or(lower) + 1;
    upper = std::max(upper, lower + 1);
    // A tensor's blocks live as long as the tensor: layer-level liveness sees no finer.
    for (std::uint32_t k = 0; k < tensor.block_count(); ++k) {
      const std::uint64_t size = tensor.block_end(k) - tensor.block_begin(k);
      const BufferId b = builder.add_buffer(block_name(tensor, k), size, alignment);
      builder.add_piece(b, 0, size, {lower, upper});
    }
  }
  builder.add_lifespan_conflicts();
  return builder.build(fmt::format("topology-level liveness of {}", origin),
                       {.lifespans_conflict = true, .rigid_pairs = false, .level = "topology level",
                        .live_bytes = "maximum over layers of the live bytes", .live_together = {}, .live_together_source = {}});
}

}  // namespace tetris::memmgr
