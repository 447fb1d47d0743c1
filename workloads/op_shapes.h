// Shape inference and work counts, one function per operator.
// Every model format goes through these, so shapes are computed by the tool, never written by hand.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "workloads/model.h"

namespace tetris::workloads {

// A weight an operator needs, with its role ("weight", "bias", "mean", ...) and shape.
struct WeightSpec {
  std::string role;
  Shape shape;
};

// What an operator produces from its inputs' shapes and its parameters.
struct OpResult {
  Shape output;
  std::vector<WeightSpec> weights;
  std::uint64_t macs = 0;
  std::uint64_t element_ops = 0;
};

// Says what does not fit (a channel count, a window larger than its input, a mismatched concat
// operand); the model builder adds the file, line and layer.
class OpError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws OpError when the inputs do not fit the operator or a count overflows 64 bits.
OpResult infer_op(Op op, const LayerParams& params, std::span<const Shape> inputs);

// The NCHW view of a batch of `n` samples of any rank (see Shape); nullopt on overflow.
std::optional<Shape> fold_shape(std::uint64_t n, std::span<const std::uint64_t> sample_dims);

}  // namespace tetris::workloads
