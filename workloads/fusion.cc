#include "workloads/fusion.h"

#include <optional>

namespace tetris::workloads {

bool is_fusable_follower(Op op) {
  switch (op) {
    case Op::batch_norm:
    case Op::scale:
    case Op::bias:
    case Op::relu:
    case Op::relu6:
    case Op::sigmoid:
      return true;
    default:
      return false;
  }
}

bool is_view(Op op) { return op == Op::dropout || op == Op::flatten || op == Op::reshape; }

std::vector<std::uint32_t> count_readers(const Model& model) {
  std::vector<std::uint32_t> readers(model.tensors.size(), 0);
  for (const ModelLayer& layer : model.layers)
    for (const TensorId t : layer.inputs) ++readers[t];
  return readers;
}

std::vector<Step> plan_steps(const Model& model, bool fuse) {
  const std::vector<std::uint32_t> readers = count_readers(model);
  // The layer reading each tensor, when exactly one layer reads it once.
  std::vector<std::optional<LayerId>> only_reader(model.tensors.size());
  for (LayerId id = 0; id < model.layers.size(); ++id)
    for (const TensorId t : model.layers[id].inputs)
      if (readers[t] == 1) only_reader[t] = id;

  std::vector<bool> folded(model.layers.size(), false);
  std::vector<Step> steps;
  for (LayerId id = 0; id < model.layers.size(); ++id) {
    if (folded[id]) continue;
    const ModelLayer& layer = model.layers[id];
    Step step;
    step.name = layer.name;
    step.op_label = std::string(to_string(layer.op));
    step.primary = id;
    step.output = layer.output;
    step.kind = is_view(layer.op) ? StepKind::view : layer.op == Op::concat ? StepKind::concat : StepKind::compute;
    const bool weighted_matmul = layer.op == Op::matmul && !layer.weights.empty();
    if (fuse && (layer.op == Op::conv || layer.op == Op::fully_connected || weighted_matmul)) {
      while (true) {
        const TensorId tail = step.output;
        if (model.tensors[tail].kind == TensorKind::output || !only_reader[tail]) break;
        const LayerId next = *only_reader[tail];
        const ModelLayer& follower = model.layers[next];
        if (!is_fusable_follower(follower.op) || follower.inputs.size() != 1) break;
        folded[next] = true;
        step.followers.push_back(next);
        step.op_label.push_back('+');
        step.op_label.append(to_string(follower.op));
        step.output = follower.output;
      }
    }
    steps.push_back(std::move(step));
  }
  return steps;
}

}  // namespace tetris::workloads
