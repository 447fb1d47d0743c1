// `tetris model show MODEL`: loads a zoo model, a YAML model or an ONNX file and prints per-layer
// op, output shape and work, then totals (docs/model-format.md).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "apps/tetris/cli.h"
#include "workloads/builtin_models.h"
#include "workloads/model_loader.h"
#include "workloads/model_report.h"

namespace po = boost::program_options;

namespace tetris::cli {

int model_show(std::span<const std::string> args) {
  std::string model_name;
  workloads::ModelOptions model_options;
  OutputOptions output;
  const std::string model_help = fmt::format("the model: a built-in name ({}), or a .yaml or .onnx file",
                                             fmt::join(workloads::builtin_model_names(), ", "));
  po::options_description options("options");
  options.add_options()
      ("model", po::value(&model_name)->required(), model_help.c_str())
      ("batch,b", po::value(&model_options.batch)->default_value(model_options.batch), "samples per inference")
      ("element-bytes", po::value(&model_options.element_bytes)->default_value(model_options.element_bytes),
       "bytes per element: 1, 2, 4 or 8 (Cambricon-X computes on 2)");
  add_model_shape_options(options, model_options.sequence, model_options.weight_density);
  output.add_to(options, "write the report to this file instead of printing it");
  po::positional_options_description positional;
  positional.add("model", 1);
  if (!parse("model show", "MODEL [--batch N] [--element-bytes N] [--json] [--out FILE]", args, options,
             positional))
    return kExitOk;
  const workloads::Model model = workloads::load_model(model_name, model_options);
  output.emit(output.json ? workloads::model_to_json(model) : workloads::format_model_table(model));
  return kExitOk;
}

}  // namespace tetris::cli
