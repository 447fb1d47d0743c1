// How commands that plan take their problem: a MiniMalloc CSV, a problem file, or a trace
// analysed for liveness at the level asked for (--level topology|instruction).
#pragma once

#include <boost/program_options.hpp>
#include <string>

#include "memmgr/problem.h"
#include "pipeline/options.h"

namespace tetris::cli {

struct ProblemInputOptions {
  std::string path;
  std::string level = "instruction";
  pipeline::AnalysisOptions analysis;

  void add_to(boost::program_options::options_description& options);
  memmgr::Problem load() const;  // pipeline::load_problem
};

}  // namespace tetris::cli
