// What `tetris sim` reports: the statistics of the first run as a table or JSON (generated from
// the declarations in statistics.h), the conflicts found over all runs, and any deadlock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/trace.h"
#include "sim/simulator.h"

namespace tetris::sim {

struct SimReport {
  std::string trace;   // the trace file
  std::string plan;    // the plan file, or "... (naive plan)"
  std::string config;  // the machine config's name
  std::vector<RunResult> runs;  // the first one's statistics are reported in full
};

// One conflict as found over all runs: the first run that found it and in how many runs it showed.
struct ConflictOverRuns {
  Conflict conflict;
  std::optional<std::uint64_t> seed;  // of the first run that found it (none: exact timing)
  std::uint64_t runs = 0;
};

// Conflicts of every run, the same load and store counted once, in order of first appearance.
std::vector<ConflictOverRuns> conflicts_over_runs(const std::vector<RunResult>& runs);

// Any conflict or deadlock in any run.
bool report_failed(const SimReport& report);

std::string describe_conflict(const Conflict& conflict, const Program& program);
std::string report_to_table(const SimReport& report, const Program& program);
std::string report_to_json(const SimReport& report, const Program& program);
// One row per layer of `run` with every layer statistic (cycles, roofline, bytes, ...), as CSV.
std::string layers_to_csv(const RunResult& run);
// One row per tensor (a block is a tensor here): kind, bytes and where the run placed it.
std::string tensors_to_csv(const Program& program, const AddressMap& addresses);

}  // namespace tetris::sim
