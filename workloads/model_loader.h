// Loads a model by what the user typed: a YAML or ONNX file, or the name of a zoo model.
// The one entry point the command line and lowering use.
#pragma once

#include <string_view>

#include "workloads/model.h"

namespace tetris::workloads {

// `path_or_name` is a .yaml/.yml or .onnx file, or a built-in name ("resnet50"). Throws
// InputError naming the file (and line) for bad models, or listing the built-in names when it
// is neither a file nor a built-in model.
Model load_model(std::string_view path_or_name, const ModelOptions& options);

}  // namespace tetris::workloads
