// Two runs side by side: `tetris compare A B` reads their report.json files and shows what
// differs, the settings (provenance) and, per plan, footprint, cycles and safety.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace tetris::pipeline {

// Reads a run's report: `path` is a report.json or a run folder holding one. InputError naming
// the file when it is missing, not JSON, or not a run report.
nlohmann::json read_run_report(const std::string& path);

// The comparison as a table (`json` false) or JSON: the settings whose values differ (keys in
// only one report included), and one row per plan (planner, liveness) in either report with
// both footprints, both cycle counts, their relative change (B against A) and both safety verdicts.
std::string compare_reports(const nlohmann::json& a, const std::string& a_label, const nlohmann::json& b,
                            const std::string& b_label, bool json);

}  // namespace tetris::pipeline
