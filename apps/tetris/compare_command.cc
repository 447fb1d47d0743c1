// `tetris compare A B`: two runs side by side (pipeline/report_compare.h): the settings that
// differ, and per plan footprint, cycles and safety with B's change against A.
#include "apps/tetris/cli.h"
#include "common/input_error.h"
#include "pipeline/report_compare.h"

namespace po = boost::program_options;

namespace tetris::cli {

int compare(std::span<const std::string> args) {
  std::string a, b;
  OutputOptions output;
  po::options_description options("options");
  options.add_options()
      ("a", po::value(&a), "the first run: its folder or its report.json")
      ("b", po::value(&b), "the second run, compared against the first");
  output.add_to(options, "write the comparison to this file instead of printing it");
  po::positional_options_description positional;
  positional.add("a", 1).add("b", 1);
  if (!parse("compare", "A B [--json] [--out FILE]   (A, B: run folders or report.json files)", args, options,
             positional))
    return kExitOk;
  if (a.empty()) throw InputError({"A"}, "compare needs two runs: tetris compare A B");
  if (b.empty()) throw InputError({"B"}, "compare needs a second run after the first");
  const auto report_a = pipeline::read_run_report(a);
  const auto report_b = pipeline::read_run_report(b);
  output.emit(pipeline::compare_reports(report_a, a, report_b, b, output.json));
  return kExitOk;
}

}  // namespace tetris::cli
