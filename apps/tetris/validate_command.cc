// `tetris validate`: checks a plan file against a problem (a trace analysed for liveness, or a
// MiniMalloc CSV) with the validator every planner's result goes through. A bad plan is bad input.
#include <fmt/format.h>

#include "apps/tetris/cli.h"
#include "apps/tetris/problem_input.h"
#include "common/input_error.h"
#include "memmgr/plan_io.h"
#include "memmgr/plan_validator.h"

namespace po = boost::program_options;

namespace tetris::cli {

int validate(std::span<const std::string> args) {
  ProblemInputOptions input;
  std::string plan_path;
  std::uint64_t capacity = 0;
  bool quiet = false;
  po::options_description options("options");
  input.add_to(options);
  options.add_options()
      ("plan", po::value(&plan_path), "the plan to check (YAML or JSON, as tetris plan writes it)")
      ("capacity", po::value(&capacity), "the arena's capacity in bytes, weights excluded (default: the plan's capacity_bytes, if any); a plan "
       "above it is refused")
      ("quiet,q", po::bool_switch(&quiet), "print nothing but errors");
  po::positional_options_description positional;
  positional.add("input", 1).add("plan", 1);
  if (!parse("validate", "PROBLEM.csv|TRACE PLAN [--level topology|instruction|tensor] [--capacity BYTES]", args, options,
             positional))
    return kExitOk;
  if (plan_path.empty()) throw InputError({"PLAN"}, "validate needs a plan file after the problem");
  const PlanFile plan = read_plan_file(plan_path);
  // The capacity asked for, else the one the plan was made for, else the problem's own.
  std::optional<memmgr::Offset> limit = capacity ? std::optional<memmgr::Offset>(capacity) : plan.capacity_bytes;
  memmgr::Problem loaded = input.load();
  if (!limit) limit = loaded.capacity();
  const memmgr::Problem problem = std::move(loaded).with_capacity(limit);
  const std::vector<memmgr::Offset> offsets = memmgr::offsets_for(problem, plan, plan_path);
  if (const auto violation = memmgr::validate_plan(problem, offsets)) {
    // The inputs were fine; the check the user asked for failed.
    fmt::print(stderr, "tetris: {}: invalid plan: {}\n", plan_path, violation->describe(problem));
    return kExitCheckFailed;
  }
  const memmgr::Offset peak = plan_footprint(plan, memmgr::plan_peak(problem, offsets), plan_path);
  if (quiet) return kExitOk;
  fmt::print("{}: valid for {}: {} buffers, peak {} bytes ({:.4f} x the lower bound {})\n", plan_path, problem.origin(),
             problem.buffers().size(), peak, problem.lower_bound() ? double(peak) / double(problem.lower_bound()) : 0.0,
             problem.lower_bound());
  return kExitOk;
}

}  // namespace tetris::cli
