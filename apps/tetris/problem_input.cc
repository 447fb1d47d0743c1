#include "apps/tetris/problem_input.h"

#include <fmt/format.h>

#include "common/input_error.h"
#include "common/trace_io.h"
#include "memmgr/happens_before.h"
#include "memmgr/instruction_liveness.h"
#include "memmgr/minimalloc_csv.h"
#include "memmgr/problem_io.h"
#include "memmgr/topology_liveness.h"

namespace po = boost::program_options;

namespace tetris::cli {

void ProblemInputOptions::add_to(po::options_description& options) {
  options.add_options()
      ("input", po::value(&path)->required(), "a trace, a MiniMalloc CSV problem, or a problem (.yaml/.json)")
      ("level", po::value(&level)->default_value(level), "liveness of a trace: instruction or topology")
      ("max-pieces", po::value(&max_pieces)->default_value(max_pieces), "instruction level: pieces per tensor at most")
      ("alignment", po::value(&alignment)->default_value(alignment), "base address alignment of a trace's tensors, bytes");
}

memmgr::Problem ProblemInputOptions::load() const {
  if (path.ends_with(".csv")) return memmgr::read_minimalloc_csv_file(path);
  if (path.ends_with(".yaml") || path.ends_with(".json")) return memmgr::read_problem_file(path);
  if (level != "instruction" && level != "topology")
    throw InputError({"--level"}, fmt::format("unknown level '{}' (instruction or topology)", level));
  if (alignment == 0) throw InputError({"--alignment"}, "must be at least 1");
  const Program program = read_trace_file(path);
  if (level == "topology") return memmgr::topology_liveness(program, alignment, path);
  const memmgr::HappensBefore hb = memmgr::HappensBefore::analyze(program, path);
  return memmgr::instruction_liveness(program, hb, {alignment, max_pieces}, path);
}

}  // namespace tetris::cli
