// The layers a lowered program has: model layers after fusion, in the model's topological order.
// A conv, fully_connected or matmul layer absorbs the element-wise layers after it that its output
// pipeline can apply on the way out (normalisation, scale, bias, activations, GELU in either of its
// decomposed forms) when they read only its result, constants and each other, and nothing
// else reads what they compute in between; a matmul also absorbs one residual add of a tensor
// computed before it (convolutions do not, which keeps the CNN programs as they were); the decomposed layer norm older exporters write
// (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, then Mul and Add) is one normalisation
// step; dropout, flatten and reshape become views (no instructions); concat stays a layer whose
// operands are written into its output by their producers where possible.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "workloads/model.h"

namespace tetris::workloads {

enum class StepKind : std::uint8_t {
  compute,  // emits tiles
  concat,   // emits copies only for operands that cannot be written in place
  view,     // the same bytes under another shape: emits nothing
};

struct Step {
  std::string name;      // the first model layer's name
  std::string op_label;  // model ops joined by '+', e.g. "conv+batch_norm+relu"
  StepKind kind = StepKind::compute;
  LayerId primary = 0;             // the model layer that does the work
  std::vector<LayerId> followers;  // folded into it, in order
  TensorId output = 0;             // the model tensor the step produces (the last follower's)
  // A decomposed layer norm: `primary` is its first ReduceMean, whose input is normalised along
  // its axis; the followers' weights are the scale and shift.
  bool layer_norm = false;
  // A residual add folded into a matmul (or, with fuse_residual, a conv): the tensor it adds, computed before the step, which the
  // output pipeline loads into NBout beside the accumulators.
  std::optional<TensorId> residual;
};

// Element-wise ops that fold into a preceding conv, fully_connected or matmul layer (binary ones
// only when every operand is computed inside the step).
bool is_fusable_follower(Op op);
// Ops that only reinterpret their input's bytes.
bool is_view(Op op);

// The steps of `model`, one per model layer that is not folded into another. `fuse_residual`:
// convolutions and fully connected layers absorb a residual add too, as matmuls always do.
std::vector<Step> plan_steps(const Model& model, bool fuse, bool fuse_residual = false);

// How many times each model tensor is read by a layer (an operand listed twice counts twice).
std::vector<std::uint32_t> count_readers(const Model& model);

}  // namespace tetris::workloads
