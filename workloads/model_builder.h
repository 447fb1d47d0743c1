// Builds a Model one layer at a time in topological order, inferring every shape and size.
// The YAML reader and the ONNX importer both use it, so both refuse the same mistakes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/input_error.h"
#include "workloads/model.h"

namespace tetris::workloads {

struct OpResult;

struct LayerSpec {
  std::string name;
  Op op = Op::relu;
  LayerParams params;
  std::vector<TensorId> inputs;  // tensors added before: graph inputs or earlier layers' outputs
  // Weights the file names (ONNX initializers); nullopt: the builder adds the op's own,
  // named LAYER.ROLE (conv1.weight, conv1.bias).
  std::optional<std::vector<TensorId>> weights;
  std::string output_name;  // empty: the layer's name
  // Pruned weights (conv, fully_connected, matmul by a weight): the nonzero share, from the file,
  // else the options' default; and the busiest output channel's, measured from an ONNX file's
  // zeros, else estimated (busiest_density_estimate).
  std::optional<double> density;
  std::optional<double> busiest_density;
  SourceLocation where;     // for error messages
};

class ModelBuilder {
 public:
  // Throws InputError when the options are out of range.
  ModelBuilder(std::string name, std::string source, ModelOptions options);

  // A graph input of `sample_dims` per sample (any rank); the batch comes from the options.
  TensorId add_input(std::string name, const std::vector<std::uint64_t>& sample_dims,
                     const SourceLocation& where);
  // A weight named by the model file; its shape does not depend on the batch.
  TensorId add_weight(std::string name, const std::vector<std::uint64_t>& dims, const SourceLocation& where);
  // Infers the output shape and work of the layer and adds it with its output tensor. Throws
  // InputError at spec.where naming the layer when the inputs do not fit, a name is taken, or
  // a size overflows.
  LayerId add_layer(LayerSpec spec);

  // Graph outputs: ONNX names them; a YAML model's outputs are the results no layer reads.
  void mark_output(TensorId id);
  void mark_unread_outputs();

  const ModelTensor& tensor(TensorId id) const { return model_.tensors[id]; }
  const ModelLayer& layer(LayerId id) const { return model_.layers[id]; }
  std::optional<TensorId> find_tensor(std::string_view name) const;
  std::optional<LayerId> find_layer(std::string_view name) const;
  std::size_t layer_count() const { return model_.layers.size(); }

  Model build() &&;

 private:
  void check_given_weights(const LayerSpec& spec, const OpResult& result, std::string_view context) const;
  TensorId add_tensor(std::string name, Shape shape, TensorKind kind, std::optional<LayerId> producer,
                      const SourceLocation& where, std::string_view context);

  Model model_;
  std::unordered_map<std::string, TensorId> tensor_ids_;
  std::unordered_map<std::string, LayerId> layer_ids_;
  std::unordered_set<TensorId> read_;
};

// Names become words of the trace format: UTF-8 text, no spaces, no '#', not empty.
bool is_valid_name(std::string_view name);

}  // namespace tetris::workloads
