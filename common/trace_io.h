// Reading and writing the text trace format (docs/trace-format.md).
// Writing is canonical: write -> read -> write gives the same bytes.
#pragma once

#include <string>
#include <string_view>

#include "common/trace.h"

namespace tetris {

// Parses and validates a trace; errors are InputError naming `file_label` and the line.
Program read_trace(std::string_view text, std::string_view file_label);
Program read_trace_file(const std::string& path);

std::string write_trace(const Program& program);
// Writes to a temporary name beside `path`, then renames, so no half-written file is left.
void write_trace_file(const Program& program, const std::string& path);

}  // namespace tetris
