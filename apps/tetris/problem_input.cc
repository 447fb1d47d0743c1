#include "apps/tetris/problem_input.h"

#include <fmt/format.h>

#include "common/input_error.h"
#include "memmgr/minimalloc_csv.h"

namespace po = boost::program_options;

namespace tetris::cli {

void ProblemInputOptions::add_to(po::options_description& options) {
  options.add_options()("input", po::value(&path)->required(), "a MiniMalloc CSV problem or a trace");
}

memmgr::Problem ProblemInputOptions::load() const {
  if (path.ends_with(".csv")) return memmgr::read_minimalloc_csv_file(path);
  throw InputError({path}, "expected a MiniMalloc CSV problem (*.csv)");
}

}  // namespace tetris::cli
