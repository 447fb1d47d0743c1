// Loading a model by what the user typed: a YAML or ONNX file, or a zoo name.
#include "workloads/model_loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "common/input_error.h"

namespace tetris::workloads {
namespace {

std::string temp_file(const std::string& name, const std::string& text) {
  const std::string path = testing::TempDir() + std::to_string(::getpid()) + "_" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string load_error(const std::string& path_or_name) {
  try {
    load_model(path_or_name, {});
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ModelLoader, BuiltInNamesWorkFromAnyFolder) {
  const Model by_name = load_model("resnet18", {});
  EXPECT_EQ(by_name.name, "resnet18");
  EXPECT_EQ(by_name.source, "workloads/models/resnet18.yaml (built in)");
  // A path that is not a file falls back to the built-in of the same name.
  EXPECT_EQ(load_model("no/such/folder/resnet18.yaml", {}).totals.macs, by_name.totals.macs);
}

TEST(ModelLoader, AFileOnDiskIsReadAsItsExtensionSays) {
  const std::string yaml =
      temp_file("small.yml", "input: {shape: [4, 8, 8]}\nlayers:\n  - {name: r, op: relu}\n");
  const Model model = load_model(yaml, {2, 1});
  EXPECT_EQ(model.source, yaml);
  EXPECT_EQ(model.tensors[0].bytes, 2u * 4 * 8 * 8);
  const std::string text = temp_file("model.txt", "input: {shape: [4]}\n");
  EXPECT_NE(load_error(text).find(text + ": unknown model format: expected a .yaml or .onnx file"),
            std::string::npos);
}

TEST(ModelLoader, AnUnknownNameListsTheBuiltIns) {
  const std::string message = load_error("resnet51");
  EXPECT_NE(message.find("resnet51: no such model file, and not a built-in model"), std::string::npos)
      << message;
  EXPECT_NE(message.find("mobilenet-v2"), std::string::npos) << message;
  EXPECT_NE(message.find("squeezenet-v1.1"), std::string::npos) << message;
}

TEST(ModelLoader, OptionsAreCheckedFirst) { EXPECT_THROW(load_model("resnet18", {1, 16}), InputError); }

}  // namespace
}  // namespace tetris::workloads
