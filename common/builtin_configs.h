// The machine configs of configs/, compiled into the binary so `tetris` runs from any folder.
// The text is the file byte for byte; a file on disk with the same path takes precedence.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tetris {

std::optional<std::string_view> builtin_config_text(std::string_view name);
std::vector<std::string> builtin_config_names();

}  // namespace tetris
