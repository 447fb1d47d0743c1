#include "workloads/model_loader.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>

#include "common/file_io.h"
#include "common/input_error.h"
#include "workloads/builtin_models.h"
#include "workloads/model_yaml.h"
#include "workloads/onnx_import.h"

namespace tetris::workloads {

Model load_model(std::string_view path_or_name, const ModelOptions& options) {
  validate(options);
  const std::filesystem::path path{std::string(path_or_name)};
  const std::string extension = path.extension().string();
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) {
    if (extension == ".onnx") return import_onnx_file(path.string(), options);
    if (extension == ".yaml" || extension == ".yml")
      return parse_model_yaml(read_text_file(path.string()), path.string(), options);
    throw InputError({path.string()}, "unknown model format: expected a .yaml or .onnx file");
  }
  // Not a file: a built-in name, with or without the folder and extension.
  const std::string name = (extension == ".yaml" ? path.stem() : path.filename()).string();
  if (const auto text = builtin_model_text(name))
    return parse_model_yaml(*text, fmt::format("workloads/models/{}.yaml (built in)", name), options);
  throw InputError({path.string()}, fmt::format("no such model file, and not a built-in model (built in: {})",
                                                fmt::join(builtin_model_names(), ", ")));
}

}  // namespace tetris::workloads
