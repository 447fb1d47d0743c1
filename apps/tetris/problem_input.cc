#include "apps/tetris/problem_input.h"

#include <fmt/format.h>

#include "apps/tetris/cli.h"
#include "common/input_error.h"
#include "pipeline/pipeline.h"

namespace po = boost::program_options;

namespace tetris::cli {

void ProblemInputOptions::add_to(po::options_description& options) {
  options.add_options()
      ("input", po::value(&path)->required(), "a trace, a MiniMalloc CSV problem, or a problem (.yaml/.json)")
      ("level", po::value(&level)->default_value(level), "liveness of a trace: instruction, topology (layer order) or tensor (tensors freed once all their accesses happen before)")
      ("max-pieces", po::value(&analysis.max_pieces_per_tensor)->default_value(analysis.max_pieces_per_tensor),
       "instruction level: pieces per tensor at most")
      ("alignment", po::value(&analysis.alignment)->default_value(analysis.alignment),
       "base address alignment of a trace's tensors, bytes");
  add_memory_option(options, analysis.max_memory_bytes);
}

memmgr::Problem ProblemInputOptions::load() const {
  const auto chosen = pipeline::parse_level(level);
  if (!chosen) throw InputError({"--level"}, fmt::format("unknown level '{}' (instruction, topology or tensor)", level));
  return pipeline::load_problem(path, *chosen, analysis);
}

}  // namespace tetris::cli
