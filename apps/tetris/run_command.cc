// `tetris run`: the job users come for (pipeline::run_job): lower a model onto the machine,
// analyse liveness at both levels, plan with every planner, simulate every plan, and write the
// run folder. Exit 1 when the Tetris plan is unsafe; unsafe baselines are marked, not failures.
#include <filesystem>

#include <fmt/format.h>

#include "apps/tetris/cli.h"
#include "apps/tetris/progress_line.h"
#include "apps/tetris/version.h"
#include "pipeline/pipeline.h"
#include "pipeline/run_folder.h"

namespace po = boost::program_options;

namespace tetris::cli {

int run(std::span<const std::string> args) {
  ConfigOptions config_options;
  pipeline::JobOptions job;
  LoweringFlags lowering;
  OutputOptions output;
  output.out = "out";
  po::options_description options("options");
  config_options.add_to(options);
  options.add_options()
      ("model,m", po::value(&job.model.model)->default_value(job.model.model), "zoo name, model YAML or ONNX file")
      ("batch", po::value(&job.model.batch)->default_value(job.model.batch), "batch size");
  lowering.add_to(options);
  add_search_options(options, job.search);
  bool sim_all = false;  // every plan is simulated now; the flag stays for scripts that pass it
  options.add_options()
      ("sim-all", po::bool_switch(&sim_all), "(always on) every plan is simulated with the conflict checker");
  output.add_to(options, "output folder (default: out)", /*out_is_folder=*/true);
  if (!parse("run", "[--config FILE|NAME] [--model NAME|FILE] [--out DIR] [--sim-all]", args, options, {}))
    return kExitOk;
  job.lowering = lowering.parse();
  job.tool_version = std::string(tetris_version());
  job.command_line = "tetris run";
  for (const std::string& arg : args) {
    job.command_line += ' ';
    job.command_line += shell_quoted(arg);
  }

  pipeline::check_run_folder(output.out);  // before the work, not after it
  ProgressLine progress(output.quiet);
  const MachineConfig config = config_options.load();
  if (progress.enabled())
    job.search.on_progress = [&](const memmgr::SearchProgress& p) {
      progress.update(fmt::format("planning: generation {}  best {:.2f} MiB  bound {:.2f} MiB", p.generation,
                                  p.best_peak / 1048576.0, p.lower_bound / 1048576.0));
    };
  const std::string trace_path = (std::filesystem::path(output.out) / "trace.trace").string();
  const pipeline::Job result = pipeline::run_job(config, job, trace_path, progress.status());
  progress.finish();
  pipeline::write_job_folder(result, config, output.out);
  if (!output.quiet) {
    if (output.json) fmt::print("{}", result.report.json());
    else fmt::print("{}\nwritten to {}/: config.yaml, trace.trace, plans/, report.json, report.csv, layers.csv, tensors.csv, layout.svg, report.html\n",
                    result.report.table(), output.out);
  }
  return result.any_conflict ? kExitCheckFailed : kExitOk;
}

}  // namespace tetris::cli
