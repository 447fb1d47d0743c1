// MiniMalloc's CSV problems (github.com/google/minimalloc, src/converter.cc): one buffer a row,
// `id,lower,upper,size` with half-open lifespans [lower, upper); the one-piece case of Problem.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "memmgr/problem.h"

namespace tetris::memmgr {

// Columns may come in any order; `alignment` is optional; MiniMalloc's aliases are accepted
// (begin/start for lower, buffer/buffer_id for id, and an inclusive `end` for upper).
// `capacity` defaults to the number in a file name like "A.1048576.csv".
// Errors are InputError naming the file and line.
Problem read_minimalloc_csv(std::string_view text, std::string_view file_label,
                            std::optional<Offset> capacity = std::nullopt);
Problem read_minimalloc_csv_file(const std::string& path, std::optional<Offset> capacity = std::nullopt);

// MiniMalloc's solution format: the input columns plus `offset`, in buffer order.
std::string write_minimalloc_solution(const Problem& problem, std::span<const Offset> offsets);

// The capacity encoded in a benchmark file name ("C.1048576.csv" -> 1048576), if any.
std::optional<Offset> capacity_from_file_name(std::string_view path);

}  // namespace tetris::memmgr
