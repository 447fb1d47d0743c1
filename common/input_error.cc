#include "common/input_error.h"

#include <fmt/format.h>

namespace tetris {

std::string SourceLocation::to_string() const {
  if (line == 0) return file;
  if (column == 0) return fmt::format("{}:{}", file, line);
  return fmt::format("{}:{}:{}", file, line, column);
}

InputError::InputError(SourceLocation where, const std::string& message)
    : std::runtime_error(where.file.empty() ? message : where.to_string() + ": " + message),
      where_(std::move(where)),
      message_(message) {}

}  // namespace tetris
