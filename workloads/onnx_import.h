// Imports an ONNX model (protobuf ModelProto) into a Model: ONNX shape inference gives the
// shapes, each computing node becomes one layer, and whatever is computed only from constants
// (initializers, Constant, ConstantOfShape, Shape) is folded away; what layers read of it are weights.
#pragma once

#include <string>
#include <string_view>

#include "workloads/model.h"

namespace tetris::workloads {

// Throws InputError naming the file for a file that is not an ONNX model (truncated, not
// protobuf, no graph), a failed shape inference, or an unsupported node (naming the node and
// its op). The batch of the file is replaced by options.batch.
Model import_onnx_file(const std::string& path, const ModelOptions& options);
Model import_onnx(std::string_view bytes, std::string_view file_label, const ModelOptions& options);

}  // namespace tetris::workloads
