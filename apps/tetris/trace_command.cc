// `tetris trace check FILE`: validates a trace (its syntax, references and sync, and that it can
// complete) and summarises it.
#include "apps/tetris/cli.h"
#include "common/trace_io.h"
#include "common/trace_summary.h"
#include "memmgr/happens_before.h"

namespace po = boost::program_options;

namespace tetris::cli {

int trace_check(std::span<const std::string> args) {
  std::string file;
  OutputOptions output;
  po::options_description options("options");
  options.add_options()("trace", po::value(&file)->required(), "the trace file to check");
  output.add_to(options, "write the summary to this file instead of printing it");
  po::positional_options_description positional;
  positional.add("trace", 1);
  if (!parse("trace check", "TRACE [--json] [--out FILE]", args, options, positional)) return kExitOk;
  const Program program = read_trace_file(file);
  // A trace that can never complete is not valid, though every line of it is: the same check
  // as analyze's (exit 2 naming where each core is stuck).
  memmgr::HappensBefore::analyze(program, file);
  const TraceSummary summary = summarize(program);
  output.emit(output.json ? summary_to_json(summary)
                          : file + ": valid\n\n" + format_summary_table(summary));
  return kExitOk;
}

}  // namespace tetris::cli
