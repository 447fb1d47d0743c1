// Plan files: which base offset each buffer got, with the peak, the lower bound and how the plan
// was made. Written as YAML or JSON; the simulator reads them, so they need nothing but `common`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tetris {

struct PlanFile {
  std::string planner;
  std::string problem;  // what was planned (memmgr::Problem::origin)
  std::uint64_t seed = 0;
  std::uint64_t peak_bytes = 0;
  std::uint64_t lower_bound_bytes = 0;
  std::optional<std::uint64_t> capacity_bytes;
  double plan_seconds = 0;  // the one field that differs between runs with the same seed
  std::uint64_t generations = 0;
  // Which build made it ("tetris 0.1.0 (abc1234)"); empty when not known (a plan written by
  // hand or by a library caller). The command line is in the run's report: a plan written to
  // another path is the same plan, byte for byte.
  std::string tool;
  std::vector<std::pair<std::string, std::uint64_t>> offsets;  // buffer name -> base, in buffer order
};

// A plan's footprint is what its offsets reach. Its peak_bytes header may round that up (TF-BFC
// rounds chunks to 256 bytes) by less than this; an absent (0) header means the reach.
inline constexpr std::uint64_t kMaxPeakRounding = 4096;

// The footprint `plan` takes, given the highest byte its offsets reach: the header when it is
// within the rounding above `reach`. Throws InputError naming `file` when the header says less
// than the offsets use, or more than rounding explains (an edited header, or another plan's).
std::uint64_t plan_footprint(const PlanFile& plan, std::uint64_t reach, std::string_view file);

std::string plan_to_yaml(const PlanFile& plan);
std::string plan_to_json(const PlanFile& plan);

// Reads a YAML or JSON plan (JSON is YAML). Errors are InputError naming the file and line.
PlanFile read_plan(std::string_view text, std::string_view file_label);
PlanFile read_plan_file(const std::string& path);

}  // namespace tetris
