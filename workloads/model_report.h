// What `tetris model show` prints about a model: per-layer op, output shape and work, then totals.
// Plain formatting of a Model, as a text table or JSON.
#pragma once

#include <string>

#include "workloads/model.h"

namespace tetris::workloads {

std::string format_model_table(const Model& model);
std::string model_to_json(const Model& model);

}  // namespace tetris::workloads
