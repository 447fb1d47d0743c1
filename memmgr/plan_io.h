// Plan files: which base offset each buffer got, with the peak, the lower bound and how the plan
// was made. Written as YAML or JSON; the YAML is read back by `tetris sim --plan`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memmgr/planner.h"
#include "memmgr/problem.h"

namespace tetris::memmgr {

struct PlanFile {
  std::string planner;
  std::string problem;  // Problem::origin
  std::uint64_t seed = 0;
  Offset peak_bytes = 0;
  Offset lower_bound_bytes = 0;
  std::optional<Offset> capacity_bytes;
  double plan_seconds = 0;  // the one field that differs between runs with the same seed
  std::uint64_t generations = 0;
  std::vector<std::pair<std::string, Offset>> offsets;  // buffer name -> base, in buffer order
};

PlanFile make_plan_file(const Problem& problem, const PlanResult& result, std::uint64_t seed);

std::string plan_to_yaml(const PlanFile& plan);
std::string plan_to_json(const PlanFile& plan);

// Reads a YAML or JSON plan (JSON is YAML). Errors are InputError naming the file and line.
PlanFile read_plan(std::string_view text, std::string_view file_label);
PlanFile read_plan_file(const std::string& path);

// The offsets of `plan` in the order of `problem`'s buffers; every buffer must be named exactly
// once and no other name may appear (InputError naming the file otherwise).
std::vector<Offset> offsets_for(const Problem& problem, const PlanFile& plan, std::string_view file_label);

}  // namespace tetris::memmgr
