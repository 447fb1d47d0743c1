// `tetris plan`: plans a problem (MiniMalloc CSV, or a trace through liveness analysis) with one
// planner, validates the plan, and writes it. A plan that fails validation is never written.
#include <fmt/format.h>

#include "apps/tetris/cli.h"
#include "apps/tetris/problem_input.h"
#include "apps/tetris/progress_line.h"
#include "apps/tetris/version.h"
#include "common/file_io.h"
#include "common/input_error.h"
#include "memmgr/minimalloc_csv.h"
#include "memmgr/plan_export.h"
#include "memmgr/plan_svg.h"
#include "memmgr/plan_validator.h"
#include "pipeline/pipeline.h"

namespace po = boost::program_options;

namespace tetris::cli {

int plan(std::span<const std::string> args) {
  ProblemInputOptions input;
  std::string planner_name = "tetris", csv_out, svg_out, emit = "plan";
  std::uint64_t capacity = 0;
  memmgr::PlannerOptions planner_options;
  OutputOptions output;
  po::options_description options("options");
  input.add_to(options);
  options.add_options()
      ("planner", po::value(&planner_name)->default_value(planner_name),
       "tetris, naive, tf-bfc, tflm-greedy, greedy-size, greedy-breadth or xla-best-fit")
      ("capacity", po::value(&capacity), "the arena's capacity in bytes (activations only: weights live above the arena, as in sim); a plan "
       "above it is an error (exit 2)");
  add_search_options(options, planner_options);
  options.add_options()
      ("csv-out", po::value(&csv_out)->notifier([](const std::string& p) { check_output_file(p, "--csv-out"); }),
       "for CSV problems: also write MiniMalloc's solution CSV here")
      ("emit", po::value(&emit)->default_value(emit),
       "what --out gets: plan (the plan file, YAML or JSON with --json), c-header (#define per buffer offset "
       "and the arena size, for a firmware build) or arena-json (offset and size per buffer, arena size)")
      ("svg", po::value(&svg_out)->notifier([](const std::string& p) { check_output_file(p, "--svg"); }),
       "also draw the plan (address x time) as SVG here");
  output.add_to(options, "write the plan (YAML, or JSON with --json) to this file");
  po::positional_options_description positional;
  positional.add("input", 1);
  if (!parse("plan", "PROBLEM.csv|TRACE [--planner NAME] [--capacity BYTES] [--seed N] [--time-limit S] [--out FILE]",
             args, options, positional))
    return kExitOk;
  if (emit != "plan" && emit != "c-header" && emit != "arena-json")
    throw InputError({"--emit"}, fmt::format("unknown format '{}' (plan, c-header or arena-json)", emit));
  const memmgr::PlannerInfo* planner = memmgr::find_planner(planner_name);
  if (!planner) {
    std::string names;
    for (const auto& p : memmgr::planners()) names += (names.empty() ? "" : ", ") + std::string(p.name);
    throw InputError({"--planner"}, fmt::format("unknown planner '{}' (known: {})", planner_name, names));
  }
  ProgressLine progress(output.quiet);
  progress.update(fmt::format("reading and analysing {} ({} level)", input.path, input.level));
  memmgr::Problem loaded = input.load();
  progress.update(fmt::format("{}: {} buffers, {} pieces, {} conflict blocks", input.path, loaded.buffers().size(),
                              loaded.pieces().size(), loaded.conflict_block_count()));
  const std::optional<memmgr::Offset> limit = capacity ? std::optional<memmgr::Offset>(capacity) : loaded.capacity();
  const memmgr::Problem problem = std::move(loaded).with_capacity(limit);

  if (planner->interval_problems_only && !problem.is_interval_problem())
    throw InputError({"--planner"}, fmt::format("{} plans interval problems only (one piece per buffer, "
                                                "conflicts = overlapping lifespans): {} is not; use --level topology",
                                                planner->name, input.path));
  if (progress.enabled())
    planner_options.on_progress = [&](const memmgr::SearchProgress& p) {
      const double gap = p.lower_bound ? 100.0 * (double(p.best_peak) / double(p.lower_bound) - 1) : 0;
      progress.update(fmt::format("{}: generation {}  best peak {}  lower bound {}  gap {:.2f}%  {:.1f} s",
                                  planner->name, p.generation, p.best_peak, p.lower_bound, gap, p.seconds));
    };
  const auto level = pipeline::parse_level(input.level).value_or(pipeline::Level::instruction);
  const pipeline::Plan made = pipeline::plan(problem, level, *planner, planner_options);
  progress.finish();

  if (const auto& violation = made.violation) {
    if (violation->kind == memmgr::ViolationKind::over_capacity) {
      fmt::print(stderr, "tetris: error: {}: {}\n", input.path, violation->describe(problem));
      return kExitBadInput;
    }
    // Every planner promises valid plans on the problems it accepts: this is ours to fix.
    fmt::print(stderr, "tetris: internal error (a bug in tetris): planner {} produced an invalid plan: {}\n",
               planner->name, violation->describe(problem));
    return kExitBug;
  }
  const memmgr::PlanResult& result = made.result;
  PlanFile file = made.file;
  file.tool = fmt::format("tetris {}", tetris_version());
  if (!svg_out.empty())
    write_text_file_atomically(
        svg_out, memmgr::plan_to_svg(problem, result.offsets,
                                     {.title = fmt::format("{}: {}", planner->name, problem.origin())}));
  if (!csv_out.empty()) {
    if (!problem.is_interval_problem())
      throw InputError({"--csv-out"}, "MiniMalloc's CSV holds one-piece buffers only; this problem has pieces");
    write_text_file_atomically(csv_out, memmgr::write_minimalloc_solution(problem, result.offsets));
  }
  if (emit != "plan") {
    output.emit(emit == "c-header" ? memmgr::plan_to_c_header(problem, result.offsets, file)
                                   : memmgr::plan_to_arena_json(problem, result.offsets, file));
    if (output.out.empty()) return kExitOk;
  } else if (!output.out.empty() || output.json) {
    output.emit(output.json ? plan_to_json(file) : plan_to_yaml(file));
    if (output.out.empty()) return kExitOk;
  }
  if (!output.quiet) {
    std::string fit;
    if (problem.capacity())
      fit = result.seconds_to_fit ? fmt::format(", within the capacity {} after {:.3f} s", *problem.capacity(), *result.seconds_to_fit)
            : result.peak <= *problem.capacity() ? fmt::format(", within the capacity {}", *problem.capacity())
                                                 : fmt::format(", above the capacity {}", *problem.capacity());
    fmt::print("{}: {} buffers, planner {}: peak {} bytes, lower bound {} ({:.4f}x), {:.3f} s, {} generations, work {}{}{}\n",
               input.path, problem.buffers().size(), planner->name, result.peak, problem.lower_bound(),
               problem.lower_bound() ? double(result.peak) / double(problem.lower_bound()) : 0.0, result.seconds,
               result.generations, result.work, fit, result.time_limited ? " (stopped by the time limit)" : "");
  }
  return kExitOk;
}

}  // namespace tetris::cli
