// `tetris lower`: lowers a model onto the machine's cores (docs/lowering.md), writes the trace
// atomically and prints a per-layer summary: MACs, bytes loaded and stored, tiles per core.
#include <cstdio>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "apps/tetris/cli.h"
#include "common/input_error.h"
#include "common/trace_io.h"
#include "workloads/builtin_models.h"
#include "workloads/lowering.h"
#include "workloads/lowering_report.h"
#include "workloads/model_loader.h"

namespace po = boost::program_options;

namespace tetris::cli {

int lower(std::span<const std::string> args) {
  std::string model_name = "resnet50", sync = "barrier", partition = "rows";
  std::uint64_t batch = 1;
  bool no_fuse = false;
  ConfigOptions config_options;
  OutputOptions output;
  const std::string model_help = fmt::format("the model: a built-in name ({}), or a .yaml or .onnx file",
                                             fmt::join(workloads::builtin_model_names(), ", "));
  po::options_description options("options");
  options.add_options()
      ("model,m", po::value(&model_name)->default_value(model_name), model_help.c_str())
      ("batch,b", po::value(&batch)->default_value(batch), "samples per inference")
      ("sync", po::value(&sync)->default_value(sync),
       "barrier (all cores meet after each layer) or p2p (signal/wait between the cores whose bytes another reads)")
      ("partition", po::value(&partition)->default_value(partition),
       "rows (bands of output rows per core) or channels (slices of output channels per core)")
      ("no-fuse", po::bool_switch(&no_fuse), "keep batch norm, scale, bias and activations as layers of their own");
  config_options.add_to(options);
  output.add_to(options, "write the trace to this file (required)");
  po::positional_options_description positional;
  positional.add("model", 1);
  if (!parse("lower",
             "[--model NAME|FILE] [--config C] [-p KEY=VALUE] [--batch N] [--sync barrier|p2p] "
             "[--partition rows|channels] [--no-fuse] --out FILE.trace [--json] [--quiet]",
             args, options, positional))
    return kExitOk;
  if (output.out.empty()) throw InputError({"--out"}, "the trace needs a file: --out FILE.trace");
  workloads::LoweringOptions lowering;
  lowering.fuse = !no_fuse;
  const auto sync_mode = workloads::parse_sync_mode(sync);
  if (!sync_mode) throw InputError({"--sync"}, fmt::format("unknown sync mode '{}' (barrier or p2p)", sync));
  lowering.sync = *sync_mode;
  const auto partition_mode = workloads::parse_partition_mode(partition);
  if (!partition_mode)
    throw InputError({"--partition"}, fmt::format("unknown partition '{}' (rows or channels)", partition));
  lowering.partition = *partition_mode;

  const MachineConfig config = config_options.load();
  const workloads::Model model = workloads::load_model(model_name, {batch, config.core.element_bytes});
  const Program program = workloads::lower(model, config, lowering);
  validate_program(program, output.out);
  write_trace_file(program, output.out);
  if (output.quiet) return kExitOk;
  const workloads::LoweringSummary summary = workloads::summarize_lowering(
      program, {model.name, config.name, std::string(to_string(lowering.sync)),
                std::string(to_string(lowering.partition)), batch, lowering.fuse});
  const std::string text =
      output.json ? workloads::lowering_to_json(summary) : workloads::format_lowering_table(summary) +
                                                               fmt::format("trace written to {}\n", output.out);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

}  // namespace tetris::cli
