// `tetris lower`: lowers a model onto the machine's cores (docs/lowering.md), writes the trace
// atomically and prints a per-layer summary: MACs, bytes loaded and stored, tiles per core.
#include <cstdio>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "apps/tetris/cli.h"
#include "apps/tetris/progress_line.h"
#include "common/input_error.h"
#include "common/trace_io.h"
#include "workloads/builtin_models.h"
#include "workloads/lowering.h"
#include "workloads/lowering_report.h"
#include "pipeline/pipeline.h"

namespace po = boost::program_options;

namespace tetris::cli {

int lower(std::span<const std::string> args) {
  pipeline::ModelChoice choice;
  LoweringFlags flags;
  ConfigOptions config_options;
  OutputOptions output;
  const std::string model_help = fmt::format("the model: a built-in name ({}), or a .yaml or .onnx file",
                                             fmt::join(workloads::builtin_model_names(), ", "));
  po::options_description options("options");
  options.add_options()
      ("model,m", po::value(&choice.model)->default_value(choice.model), model_help.c_str())
      ("batch,b", po::value(&choice.batch)->default_value(choice.batch), "samples per inference");
  add_model_shape_options(options, choice.sequence, choice.weight_density);
  flags.add_to(options);
  // `--schedule auto` and `--blocks auto` plan their candidates: with these flags, the choice is the
  // one `tetris run` makes with the same ones.
  memmgr::PlannerOptions search;
  add_search_options(options, search);
  config_options.add_to(options);
  output.add_to(options, "write the trace to this file (required)");
  po::positional_options_description positional;
  positional.add("model", 1);
  if (!parse("lower",
             "[--model NAME|FILE] [--config C] [-p KEY=VALUE] [--batch N] [--sync barrier|p2p] "
             "[--partition rows|channels|auto] [--no-fuse | --fuse-residual] [--schedule layer|cascade|auto] "
             "[--blocks tensor|band|tile|mixed|auto] [--seed N] [--generations N] [--time-limit S] [--max-work N] "
             "[--threads N] --out FILE.trace [--json] [--quiet]",
             args, options, positional))
    return kExitOk;
  if (output.out.empty()) throw InputError({"--out"}, "the trace needs a file: --out FILE.trace");
  const workloads::LoweringOptions lowering = flags.parse();
  const MachineConfig config = config_options.load();
  // A big batch takes seconds to lower and write: say which step it is in, on a terminal.
  ProgressLine progress(output.quiet);
  progress.update(fmt::format("lowering {} onto {} cores (batch {})", choice.model, config.cores, choice.batch));
  const pipeline::Lowered lowered = pipeline::lower(choice, config, lowering, {{}, search});
  progress.update("checking the program");
  validate_program(lowered.program, output.out);
  progress.update(fmt::format("writing {}", output.out));
  write_trace_file(lowered.program, output.out);
  progress.finish();
  if (output.quiet) return kExitOk;
  const workloads::LoweringSummary summary = workloads::summarize_lowering(
      lowered.program, {lowered.model.name, config.name, std::string(to_string(lowering.sync)),
                        std::string(to_string(lowering.partition)), choice.batch, lowering.fuse,
                        lowering.fuse_residual, lowered.schedule, lowered.blocks});
  const std::string text =
      output.json ? workloads::lowering_to_json(summary) : workloads::format_lowering_table(summary) +
                                                               fmt::format("trace written to {}\n", output.out);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

}  // namespace tetris::cli
