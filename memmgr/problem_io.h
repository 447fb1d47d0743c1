// Allocation problems as files: YAML/JSON (buffers, their pieces, the conflicting piece pairs,
// the lower bound) that `tetris plan` reads back, and MiniMalloc's CSV for one-piece problems.
#pragma once

#include <string>
#include <string_view>

#include "memmgr/problem.h"

namespace tetris::memmgr {

std::string problem_to_json(const Problem& problem);  // JSON is also valid YAML: one reader for both
// Throws InputError naming the file for malformed input.
Problem read_problem(std::string_view text, std::string_view file_label);
Problem read_problem_file(const std::string& path);

// MiniMalloc's input CSV (id,lower,upper,size); only for interval problems (std::invalid_argument otherwise).
std::string problem_to_minimalloc_csv(const Problem& problem);

}  // namespace tetris::memmgr
