// The layers a lowered program has: model layers after fusion, in the model's topological order.
// A conv or fully_connected layer absorbs the batch_norm, scale, bias and activation layers
// that follow it when each reads only the previous one's output and nothing else reads that
// output; dropout, flatten and reshape become views (no instructions); concat stays a layer
// whose operands are written into its output by their producers where possible.
#pragma once

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
};

// Ops that fold into a preceding conv or fully_connected layer.
bool is_fusable_follower(Op op);
// Ops that only reinterpret their input's bytes.
bool is_view(Op op);

// The steps of `model`, one per model layer that is not folded into another.
std::vector<Step> plan_steps(const Model& model, bool fuse);

// How many times each model tensor is read by a layer (an operand listed twice counts twice).
std::vector<std::uint32_t> count_readers(const Model& model);

}  // namespace tetris::workloads
