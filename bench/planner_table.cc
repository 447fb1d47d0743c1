// Prints a markdown table: every planner on every MiniMalloc CSV problem given, peak and time,
// each plan checked by the validator. scripts/bench-planners.sh runs it on the challenging set.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "memmgr/minimalloc_csv.h"
#include "memmgr/plan_validator.h"
#include "memmgr/planner.h"

using namespace tetris::memmgr;

int main(int argc, char** argv) {
  PlannerOptions options;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--time-limit" && i + 1 < argc) options.time_limit_seconds = std::atof(argv[++i]);
    else files.push_back(arg);
  }
  options.max_generations = 2000;
  std::string header = "| instance | buffers | capacity | lower bound |", rule = "|---|---:|---:|---:|";
  for (const auto& planner : planners()) header += fmt::format(" {} |", planner.name), rule += "---:|";
  fmt::print("{}\n{}\n", header, rule);
  std::string times = header + "\n" + rule + "\n";
  for (const auto& file : files) {
    const Problem problem = read_minimalloc_csv_file(file);
    const std::string name = std::filesystem::path(file).stem().stem().string();
    std::string row = fmt::format("| {} | {} | {} | {} |", name, problem.buffers().size(), problem.capacity().value_or(0),
                                  problem.lower_bound());
    std::string time_row = row;
    for (const auto& planner : planners()) {
      const PlanResult result = planner.plan(problem, options);
      const auto violation = validate_plan(problem, result.offsets, std::numeric_limits<Offset>::max());
      const bool fits = problem.capacity() && result.peak <= *problem.capacity();
      row += violation ? " invalid |" : fmt::format(" {}{} |", result.peak, fits ? " ✓" : "");
      time_row += fmt::format(" {:.2f} |", result.seconds);
    }
    fmt::print("{}\n", row);
    std::fflush(stdout);
    times += time_row + "\n";
  }
  fmt::print("\nPlan time in seconds:\n\n{}", times);
}
