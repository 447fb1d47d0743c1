// The YAML model format (docs/model-format.md): one input shape, then layers with their op,
// parameters and inputs by name. Shapes and weights are inferred by the tool, never written.
#pragma once

#include <string_view>

#include "workloads/model.h"

namespace tetris::workloads {

// Parses and builds a model; `file_label` names the file in errors and becomes Model::source.
// Throws InputError naming the file, line and layer/field for malformed YAML, unknown keys or
// ops, unknown or forward-referenced inputs, duplicate names, bad parameters and shapes that
// do not fit.
Model parse_model_yaml(std::string_view text, std::string_view file_label, const ModelOptions& options);

}  // namespace tetris::workloads
