#include "sim/address_map.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "common/checked_math.h"
#include "common/input_error.h"

namespace tetris::sim {
namespace {

std::uint64_t add(std::uint64_t a, std::uint64_t b, const std::string& where) {
  const auto sum = checked_add(a, b);
  if (!sum) throw InputError({where}, "addresses overflow 64 bits");
  return *sum;
}

std::uint64_t align_up(std::uint64_t value, std::uint64_t alignment, const std::string& where) {
  const auto aligned = checked_align_up(value, alignment);
  if (!aligned) throw InputError({where}, "addresses overflow 64 bits");
  return *aligned;
}

}  // namespace

AddressMap::AddressMap(const Program& program, const MachineConfig& config, std::vector<std::uint64_t> bases,
                       const PlanFile* plan, std::string source)
    : bases_(std::move(bases)), source_(std::move(source)) {
  const std::uint64_t alignment = config.memory.alignment_bytes;
  for (TensorId t = 0; t < program.tensors.size(); ++t) {
    const Tensor& tensor = program.tensors[t];
    if (!is_planned(tensor.kind)) continue;
    activation_end_ = std::max(activation_end_, add(bases_[t], tensor.bytes, source_));
  }
  // Weights go above the plan's footprint: what its offsets reach, or its header's rounding of it.
  const std::uint64_t footprint = plan ? plan_footprint(*plan, activation_end_, source_) : activation_end_;
  weight_begin_ = align_up(footprint, alignment, source_);
  std::uint64_t next = weight_begin_;
  for (TensorId t = 0; t < program.tensors.size(); ++t) {
    const Tensor& tensor = program.tensors[t];
    if (is_planned(tensor.kind)) continue;
    bases_[t] = next;
    next = align_up(add(next, tensor.bytes, source_), alignment, source_);
  }
  end_ = next;
  // One capacity rule everywhere: a plan's capacity is its arena, the bytes its offsets may reach
  // (weights excluded). Here the machine's arena is what its memory leaves beside the weights.
  if (plan && plan->capacity_bytes && footprint > *plan->capacity_bytes)
    throw InputError({source_}, fmt::format("the plan's footprint ({} bytes) exceeds its own capacity_bytes ({})",
                                            footprint, *plan->capacity_bytes));
  const std::optional<std::uint64_t> arena = arena_capacity(program, config);
  if (!arena)
    throw InputError({source_}, fmt::format("the weights alone ({} bytes, aligned) need more than the {} bytes of "
                                            "memory.capacity_bytes",
                                            end_ - weight_begin_, config.memory.capacity_bytes));
  if (footprint > *arena)
    throw InputError({source_}, fmt::format("the plan needs {} bytes; the machine's arena is {} bytes "
                                            "(memory.capacity_bytes {} minus {} bytes of weights)",
                                            footprint, *arena, config.memory.capacity_bytes, end_ - weight_begin_));
}

std::uint64_t weight_bytes(const Program& program, const MachineConfig& config) {
  std::uint64_t total = 0;
  for (const Tensor& tensor : program.tensors) {
    if (is_planned(tensor.kind)) continue;
    total = add(total, tensor.bytes, "the trace's weights");
    total = align_up(total, config.memory.alignment_bytes, "the trace's weights");
  }
  return total;
}

std::optional<std::uint64_t> arena_capacity(const Program& program, const MachineConfig& config) {
  // Weights start at align_up(footprint), so a footprint f fits when align_up(f) + W <= capacity,
  // that is when f <= align_down(capacity - W).
  const std::uint64_t weights = weight_bytes(program, config);
  if (weights > config.memory.capacity_bytes) return std::nullopt;
  const std::uint64_t room = config.memory.capacity_bytes - weights;
  return room - room % config.memory.alignment_bytes;
}

AddressMap AddressMap::naive(const Program& program, const MachineConfig& config, std::string_view trace_label) {
  const std::string label = fmt::format("{} (naive plan)", trace_label);
  std::vector<std::uint64_t> bases(program.tensors.size(), 0);
  std::uint64_t next = 0;
  for (TensorId t = 0; t < program.tensors.size(); ++t) {
    if (!is_planned(program.tensors[t].kind)) continue;
    bases[t] = next;
    next = align_up(add(next, program.tensors[t].bytes, label), config.memory.alignment_bytes, label);
  }
  return AddressMap(program, config, std::move(bases), nullptr, label);
}

AddressMap AddressMap::from_plan(const Program& program, const MachineConfig& config,
                                 const PlanFile& plan, std::string_view plan_label) {
  const std::string label(plan_label);
  std::map<std::string_view, TensorId> planned;
  for (TensorId t = 0; t < program.tensors.size(); ++t)
    if (is_planned(program.tensors[t].kind)) planned.emplace(program.tensors[t].name, t);
  std::vector<std::uint64_t> bases(program.tensors.size(), 0);
  std::vector<bool> seen(program.tensors.size(), false);
  for (const auto& [name, offset] : plan.offsets) {
    const auto it = planned.find(name);
    if (it == planned.end()) {
      const bool is_weight = std::any_of(program.tensors.begin(), program.tensors.end(),
                                         [&wanted = name](const Tensor& t) { return t.name == wanted; });
      throw InputError({label}, is_weight ? fmt::format("the plan places '{}', a weight; weights are not planned", name)
                                          : fmt::format("the plan names buffer '{}', which the trace does not have", name));
    }
    if (seen[it->second]) throw InputError({label}, fmt::format("the plan places '{}' twice", name));
    seen[it->second] = true;
    bases[it->second] = offset;
  }
  for (const auto& [name, t] : planned)
    if (!seen[t]) throw InputError({label}, fmt::format("the plan has no offset for tensor '{}'", name));
  return AddressMap(program, config, std::move(bases), &plan, label);
}

}  // namespace tetris::sim
