#include "workloads/fusion.h"

#include <algorithm>
#include <array>
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
    case Op::tanh:
    case Op::erf:
    case Op::sqrt:
    case Op::pow:
    case Op::gelu:
    case Op::add:
    case Op::mul:
    case Op::sub:
    case Op::div:
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

namespace {

// Which layers read each tensor, in layer order.
std::vector<std::vector<LayerId>> readers_of(const Model& model) {
  std::vector<std::vector<LayerId>> readers(model.tensors.size());
  for (LayerId id = 0; id < model.layers.size(); ++id)
    for (const TensorId t : model.layers[id].inputs)
      if (readers[t].empty() || readers[t].back() != id) readers[t].push_back(id);
  return readers;
}

// Builds the steps; `folded_` marks layers already inside an earlier step.
class StepPlanner {
 public:
  explicit StepPlanner(const Model& model) : model_(model), readers_(readers_of(model)), folded_(model.layers.size()) {}

  std::vector<Step> run(bool fuse, bool fuse_residual) {
    fuse_residual_ = fuse_residual;
    std::vector<Step> steps;
    for (LayerId id = 0; id < model_.layers.size(); ++id) {
      if (folded_[id]) continue;
      const ModelLayer& layer = model_.layers[id];
      Step step;
      step.name = layer.name;
      step.op_label = std::string(to_string(layer.op));
      step.primary = id;
      step.output = layer.output;
      step.kind = is_view(layer.op) ? StepKind::view : layer.op == Op::concat ? StepKind::concat : StepKind::compute;
      if (fuse && layer.op == Op::reduce_mean) match_layer_norm(step);
      if (fuse && (layer.op == Op::conv || layer.op == Op::fully_connected || layer.op == Op::matmul))
        absorb_epilogue(step);
      steps.push_back(std::move(step));
    }
    return steps;
  }

 private:
  bool reads_only(const ModelLayer& l, std::initializer_list<TensorId> tensors) const {
    if (l.inputs.size() != tensors.size()) return false;
    return std::equal(l.inputs.begin(), l.inputs.end(), tensors.begin());
  }

  // Whether every tensor of `inner` is read only by layers of `group`, and is not a graph output.
  bool stays_inside(const std::vector<TensorId>& inner, const std::vector<LayerId>& group) const {
    for (const TensorId t : inner) {
      if (model_.tensors[t].kind == TensorKind::output) return false;
      for (const LayerId r : readers_[t])
        if (std::find(group.begin(), group.end(), r) == group.end()) return false;
    }
    return true;
  }

  void fold(Step& step, const std::vector<LayerId>& followers) {
    for (const LayerId f : followers) {
      folded_[f] = true;
      step.followers.push_back(f);
      if (!step.layer_norm) {
        step.op_label.push_back('+');
        step.op_label.append(to_string(model_.layers[f].op));
      }
      step.output = model_.layers[f].output;
    }
  }

  // Layer after layer, the earliest reader of what the step computes joins it while it is an
  // element-wise op of the step's results (and constants) with the step's shape; the step ends at
  // the longest such run whose inner results nobody else reads.
  void absorb_epilogue(Step& step) {
    const Shape& shape = model_.tensors[step.output].shape;
    std::vector<TensorId> computed = {step.output};
    std::vector<LayerId> group = {step.primary}, best;
    std::optional<TensorId> residual, best_residual;
    while (true) {
      std::optional<LayerId> next;
      for (const TensorId t : computed)
        for (const LayerId r : readers_[t])
          if (std::find(group.begin(), group.end(), r) == group.end() && (!next || r < *next)) next = r;
      if (!next || folded_[*next]) break;
      const ModelLayer& l = model_.layers[*next];
      if (!is_fusable_follower(l.op) || model_.tensors[l.output].shape != shape) break;
      // A product of two activations has no parameter rows: only scalar constants join it.
      if (model_.layers[step.primary].op == Op::matmul && model_.layers[step.primary].inputs.size() == 2 &&
          std::any_of(l.weights.begin(), l.weights.end(), [&](TensorId w) { return model_.tensors[w].elements > 1; }))
        break;
      const auto inside = [&](TensorId t) { return std::find(computed.begin(), computed.end(), t) != computed.end(); };
      if (!std::all_of(l.inputs.begin(), l.inputs.end(), inside)) {
        if (!(residual = residual_of(step, l, inside, residual))) break;
      }
      group.push_back(*next);
      if (stays_inside(computed, group)) best.assign(group.begin() + 1, group.end()), best_residual = residual;
      computed.push_back(l.output);
    }
    fold(step, best);
    step.residual = best_residual;
  }

  // The tensor a matmul's follower (a conv's too, with fuse_residual) adds from outside the step: one add, of one step result and
  // one tensor of the step's shape computed before the step (or a graph input); nullopt otherwise.
  template <class Inside>
  std::optional<TensorId> residual_of(const Step& step, const ModelLayer& l, Inside inside,
                                      std::optional<TensorId> already) const {
    if (already || (model_.layers[step.primary].op != Op::matmul && !fuse_residual_) || l.op != Op::add ||
        l.inputs.size() != 2)
      return std::nullopt;
    const bool first_inside = inside(l.inputs[0]), second_inside = inside(l.inputs[1]);
    if (first_inside == second_inside) return std::nullopt;
    const TensorId other = first_inside ? l.inputs[1] : l.inputs[0];
    const ModelTensor& t = model_.tensors[other];
    if (t.shape != model_.tensors[step.output].shape || (t.producer && *t.producer >= step.primary))
      return std::nullopt;
    return other;
  }

  // ReduceMean(x), Sub(x, mean), Pow(., 2), ReduceMean, Add(eps), Sqrt, Div(centred, .), then
  // optionally Mul(gamma) and Add(beta), each reading the one before.
  void match_layer_norm(Step& step) {
    const LayerId r1 = step.primary;
    if (r1 + 6 >= model_.layers.size()) return;
    const auto& L = model_.layers;
    const TensorId x = L[r1].inputs[0];
    const std::array<Op, 6> ops = {Op::sub, Op::pow, Op::reduce_mean, Op::bias, Op::sqrt, Op::div};
    for (std::size_t i = 0; i < ops.size(); ++i)
      if (L[r1 + 1 + i].op != ops[i]) return;
    const auto out = [&](LayerId id) { return L[id].output; };
    // Centred values squared; epsilon a scalar.
    const auto* pow = std::get_if<PowParams>(&L[r1 + 2].params);
    if (!pow || pow->exponent != 2 || L[r1 + 4].weights.size() != 1 || model_.tensors[L[r1 + 4].weights[0]].elements != 1)
      return;
    if (!reads_only(L[r1 + 1], {x, out(r1)}) || !reads_only(L[r1 + 2], {out(r1 + 1)}) ||
        !reads_only(L[r1 + 3], {out(r1 + 2)}) || !reads_only(L[r1 + 4], {out(r1 + 3)}) ||
        !reads_only(L[r1 + 5], {out(r1 + 4)}) || !reads_only(L[r1 + 6], {out(r1 + 1), out(r1 + 5)}) ||
        std::get<AxisParams>(L[r1].params) != std::get<AxisParams>(L[r1 + 3].params))
      return;
    std::vector<LayerId> group;
    for (LayerId id = r1; id <= r1 + 6; ++id) group.push_back(id);
    for (const Op affine : {Op::scale, Op::bias}) {
      const LayerId next = group.back() + 1;
      if (next < L.size() && L[next].op == affine && reads_only(L[next], {out(group.back())}) &&
          stays_inside({out(group.back())}, {next}))
        group.push_back(next);
    }
    std::vector<TensorId> inner;
    for (std::size_t i = 0; i + 1 < group.size(); ++i) inner.push_back(out(group[i]));
    if (!stays_inside(inner, group)) return;
    step.layer_norm = true;
    step.op_label = "layer_norm";
    fold(step, std::vector<LayerId>(group.begin() + 1, group.end()));
  }

  const Model& model_;
  const std::vector<std::vector<LayerId>> readers_;
  std::vector<bool> folded_;
  bool fuse_residual_ = false;
};

}  // namespace

std::vector<Step> plan_steps(const Model& model, bool fuse, bool fuse_residual) {
  return StepPlanner(model).run(fuse, fuse_residual);
}

}  // namespace tetris::workloads
