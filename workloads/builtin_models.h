// The model zoo of workloads/models/, compiled into the library so `--model resnet50` works from
// any folder. The text is the file byte for byte; a file on disk with the same path takes precedence.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tetris::workloads {

std::optional<std::string_view> builtin_model_text(std::string_view name);
std::vector<std::string> builtin_model_names();

}  // namespace tetris::workloads
