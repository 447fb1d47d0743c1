// Where every tensor lives in the shared memory.
//
// The activation region starts at address 0 and is laid out by a plan: each input, activation
// and output tensor gets the base its plan gives it (or, with no plan, the naive plan: tensors
// stacked in id order, each aligned to memory.alignment_bytes). Weights are not planned; they sit
// in their own region above it, from align_up(plan peak) on, stacked in id order and aligned.
// A load or store of bytes [o, o + n) of tensor T touches [base(T) + o, base(T) + o + n).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/machine_config.h"
#include "common/trace.h"
#include "common/plan_file.h"

namespace tetris::sim {

class AddressMap {
 public:
  // The naive plan; errors (everything exceeding the capacity) name `trace_label`.
  static AddressMap naive(const Program& program, const MachineConfig& config, std::string_view trace_label);
  // The plan of `plan`, read from `plan_label`. Throws InputError naming `plan_label` when the
  // plan lacks a planned tensor, names a tensor the trace does not plan, or when everything does
  // not fit: its footprint above its own capacity_bytes or above arena_capacity().
  static AddressMap from_plan(const Program& program, const MachineConfig& config, const PlanFile& plan,
                              std::string_view plan_label);

  std::uint64_t base(TensorId tensor) const { return bases_[tensor]; }
  // One past the highest planned byte: the plan's footprint.
  std::uint64_t activation_end() const { return activation_end_; }
  std::uint64_t weight_begin() const { return weight_begin_; }
  std::uint64_t end() const { return end_; }  // one past the last weight byte
  const std::string& source() const { return source_; }

 private:
  AddressMap(const Program& program, const MachineConfig& config, std::vector<std::uint64_t> bases,
             const PlanFile* plan, std::string source);

  std::vector<std::uint64_t> bases_;
  std::uint64_t activation_end_ = 0;
  std::uint64_t weight_begin_ = 0;
  std::uint64_t end_ = 0;
  std::string source_;
};

// The aligned bytes of the trace's weights, stacked as AddressMap stacks them.
std::uint64_t weight_bytes(const Program& program, const MachineConfig& config);
// The machine's arena: the most bytes a plan may reach so that it and the weights above it fit in
// memory.capacity_bytes (the capacity a plan file's capacity_bytes and --capacity mean); none when
// the weights alone do not fit.
std::optional<std::uint64_t> arena_capacity(const Program& program, const MachineConfig& config);

}  // namespace tetris::sim
