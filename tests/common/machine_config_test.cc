#include "common/machine_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/builtin_configs.h"
#include "common/input_error.h"

namespace tetris {
namespace {

// Runs `f`, expecting an InputError whose message contains every fragment.
template <typename F>
void expect_input_error(F&& f, std::initializer_list<std::string_view> fragments) {
  try {
    f();
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    const std::string message = e.what();
    for (auto fragment : fragments)
      EXPECT_NE(message.find(fragment), std::string::npos) << "'" << fragment << "' not in: " << message;
  }
}

TEST(MachineConfig, BuiltinConfigsMatchTheFilesAndHaveTheirCoreCounts) {
  const std::pair<const char*, std::uint64_t> expected[] = {
      {"cambricon-x-1core", 1}, {"cambricon-x-4core", 4}, {"cambricon-x-16core", 16}};
  for (const auto& [name, cores] : expected) {
    const std::string path = std::string(TETRIS_SOURCE_DIR) + "/configs/" + name + ".yaml";
    const MachineConfig from_file = load_machine_config(path);
    const MachineConfig built_in = parse_machine_config(*builtin_config_text(name), "builtin");
    EXPECT_EQ(from_file.cores, cores);
    EXPECT_EQ(from_file.name, name);
    EXPECT_EQ(from_file.core, built_in.core);
    EXPECT_EQ(from_file.memory, built_in.memory);
    EXPECT_EQ(from_file.core.pe_count, 16u);
    EXPECT_EQ(from_file.core.element_bytes, 2u);
    // The shipped configs keep four DMA requests in flight (docs/simulator.md says why); a config
    // without the key keeps one, as before the key existed.
    EXPECT_EQ(from_file.memory.requests_in_flight, 4u) << name;
  }
  EXPECT_EQ(parse_machine_config("cores: 2\n", "t.yaml").memory.requests_in_flight, 1u);
  // Pruned weights: the shipped configs have an indexing module; a config without the key has none.
  for (const char* name : {"cambricon-x-1core", "cambricon-x-4core", "cambricon-x-16core"})
    EXPECT_EQ(load_machine_config(name).core.index_bits, 8u) << name;
  EXPECT_EQ(parse_machine_config("cores: 2\n", "t.yaml").core.index_bits, 0u);
}

TEST(MachineConfig, LoadsABuiltinByNameWhenNoFileHasThatPath) {
  const MachineConfig config = load_machine_config("cambricon-x-16core");
  EXPECT_EQ(config.cores, 16u);
  EXPECT_NE(config.source.find("built in"), std::string::npos);
}

TEST(MachineConfig, MissingKeysTakeTheNamedDefaults) {
  const MachineConfig config = parse_machine_config("cores: 2\nmemory:\n  latency_cycles: 7\n", "t.yaml");
  EXPECT_EQ(config.cores, 2u);
  EXPECT_EQ(config.memory.latency_cycles, 7u);
  for (const auto& field : config_fields()) {
    if (field.path != "cores" && field.path != "memory.latency_cycles") {
      EXPECT_EQ(field.get(config), field.default_value) << field.path;
    }
  }
}

TEST(MachineConfig, UnknownKeyNamesFileKeyPathAndLine) {
  expect_input_error([] { parse_machine_config("cores: 4\nmemory:\n  bandwith_bytes_per_cycle: 64\n", "m.yaml"); },
                     {"m.yaml:3:", "memory.bandwith_bytes_per_cycle", "unknown key"});
}

TEST(MachineConfig, UnknownTopLevelKey) {
  expect_input_error([] { parse_machine_config("cores: 4\nfrequency: 3\n", "m.yaml"); },
                     {"m.yaml:2:", "'frequency'", "unknown key"});
}

TEST(MachineConfig, WrongTypeNamesKeyAndLine) {
  expect_input_error([] { parse_machine_config("cores: 4\ncore:\n  pe_count: sixteen\n", "m.yaml"); },
                     {"m.yaml:3:", "core.pe_count", "non-negative integer", "sixteen"});
}

TEST(MachineConfig, NegativeNumberIsAWrongType) {
  expect_input_error([] { parse_machine_config("memory:\n  latency_cycles: -5\n", "m.yaml"); },
                     {"m.yaml:2:", "memory.latency_cycles", "-5"});
}

TEST(MachineConfig, MappingWhereAValueBelongs) {
  expect_input_error([] { parse_machine_config("cores:\n  n: 4\n", "m.yaml"); },
                     {"m.yaml:2:", "'cores' must be a single value"});
}

TEST(MachineConfig, SectionThatIsNotAMapping) {
  expect_input_error([] { parse_machine_config("memory: 5\n", "m.yaml"); },
                     {"m.yaml:1:", "'memory' must be a mapping"});
}

TEST(MachineConfig, OutOfRangeValueNamesTheRange) {
  expect_input_error([] { parse_machine_config("memory:\n  bandwidth_bytes_per_cycle: 0\n", "m.yaml"); },
                     {"m.yaml:2:", "memory.bandwidth_bytes_per_cycle", "out of range [1,"});
}

TEST(MachineConfig, OverflowingValueIsRefused) {
  expect_input_error([] { parse_machine_config("memory:\n  capacity_bytes: 99999999999999999999999\n", "m.yaml"); },
                     {"m.yaml:2:", "memory.capacity_bytes", "too large"});
}

TEST(MachineConfig, AlignmentMustBeAPowerOfTwo) {
  expect_input_error([] { parse_machine_config("memory:\n  alignment_bytes: 48\n", "m.yaml"); },
                     {"m.yaml:2:", "power of two"});
}

TEST(MachineConfig, BufferMustHoldWholeElements) {
  expect_input_error([] { parse_machine_config("core:\n  nbin_bytes: 8191\n", "m.yaml"); },
                     {"m.yaml:2:", "core.nbin_bytes", "whole number"});
}

TEST(MachineConfig, MalformedYamlNamesTheLine) {
  expect_input_error([] { parse_machine_config("cores: 4\nmemory: [1, 2\n", "m.yaml"); },
                     {"m.yaml:", "malformed YAML"});
}

TEST(MachineConfig, DuplicateKeyIsRefused) {
  expect_input_error([] { parse_machine_config("cores: 4\ncores: 8\n", "m.yaml"); },
                     {"m.yaml:2:", "duplicate key 'cores'"});
}

TEST(MachineConfig, AListAsAKeyIsRefused) {
  expect_input_error([] { parse_machine_config("? [cores, 4]\n: 1\n", "m.yaml"); }, {"m.yaml:"});
}

TEST(MachineConfig, EmptyFileIsRefused) {
  expect_input_error([] { parse_machine_config("# nothing\n", "m.yaml"); }, {"m.yaml", "empty"});
}

TEST(MachineConfig, MissingFileNamesThePath) {
  expect_input_error([] { load_machine_config("/nonexistent/machine.yaml"); },
                     {"/nonexistent/machine.yaml", "no such config file"});
}

TEST(MachineConfig, OverrideReplacesAnyKey) {
  const ConfigOverride overrides[] = {parse_override("memory.model=ideal"), parse_override("memory.bandwidth_bytes_per_cycle=128"),
                                      parse_override("cores=16"), parse_override("name=wide")};
  const MachineConfig config = load_machine_config("cambricon-x-4core", overrides);
  EXPECT_EQ(config.memory.bandwidth_bytes_per_cycle, 128u);
  EXPECT_EQ(config.cores, 16u);
  EXPECT_EQ(config.name, "wide");
}

TEST(MachineConfig, OverrideOfUnknownKeyNamesTheArgument) {
  const ConfigOverride overrides[] = {parse_override("memory.speed=3")};
  expect_input_error([&] { load_machine_config("cambricon-x-4core", overrides); },
                     {"-p memory.speed=3", "unknown key 'memory.speed'", "bandwidth_bytes_per_cycle"});
}

TEST(MachineConfig, BadOverrideValueNamesTheArgument) {
  const ConfigOverride overrides[] = {parse_override("memory.latency_cycles=soon")};
  expect_input_error([&] { load_machine_config("cambricon-x-4core", overrides); },
                     {"-p memory.latency_cycles=soon", "non-negative integer"});
}

TEST(MachineConfig, MalformedOverrideArgument) {
  expect_input_error([] { parse_override("memory.latency_cycles"); }, {"KEY=VALUE"});
  expect_input_error([] { parse_override("=5"); }, {"KEY=VALUE"});
}

TEST(MachineConfig, PrintedConfigReadsBackUnchanged) {
  const ConfigOverride overrides[] = {parse_override("sync.barrier_latency_cycles=77")};
  const MachineConfig config = load_machine_config("cambricon-x-16core", overrides);
  const MachineConfig again = parse_machine_config(to_yaml(config), config.source);
  EXPECT_EQ(again, config);
  // The override is named where it was made, and the printed file is then the config itself.
  ASSERT_EQ(config.overridden.size(), 1u);
  EXPECT_EQ(config.overridden[0].path, "sync.barrier_latency_cycles");
  EXPECT_EQ(config.overridden[0].file_value, "20");
  EXPECT_TRUE(again.overridden.empty());
  EXPECT_EQ(parse_machine_config(to_yaml(again), config.source), config);
}

TEST(MachineConfig, MemoryModelIsAWordAndDramKeysReadBack) {
  const ConfigOverride overrides[] = {parse_override("memory.model=dram"), parse_override("dram.channels=2")};
  const MachineConfig config = load_machine_config("cambricon-x-4core", overrides);
  EXPECT_TRUE(config.dram_memory());
  EXPECT_EQ(config.dram.channels, 2u);
  EXPECT_EQ(config.dram.trcd, 16u);
  // 2 channels x 8 bytes x 2 beats per 833 ps tCK = 38.4 bytes per 1 ns cycle, rounded up.
  EXPECT_EQ(config.peak_bandwidth_bytes_per_cycle(), 39u);
  const ConfigOverride ideal[] = {parse_override("memory.model=ideal")};
  EXPECT_EQ(load_machine_config("cambricon-x-4core", ideal).peak_bandwidth_bytes_per_cycle(), 64u);
  const std::string yaml = to_yaml(config);
  EXPECT_NE(yaml.find("model: dram"), std::string::npos) << yaml;
  EXPECT_EQ(parse_machine_config(yaml, config.source), config);
  EXPECT_NE(to_json(config).find("\"model\": \"dram\""), std::string::npos);
}

TEST(MachineConfig, MulticastIsOffUnlessAConfigTurnsItOn) {
  EXPECT_FALSE(load_machine_config("cambricon-x-16core").multicasts());
  EXPECT_FALSE(parse_machine_config("cores: 2\n", "m.yaml").multicasts());
  const ConfigOverride on[] = {parse_override("memory.multicast=on")};
  const MachineConfig config = load_machine_config("cambricon-x-16core", on);
  EXPECT_TRUE(config.multicasts());
  EXPECT_NE(to_yaml(config).find("multicast: on"), std::string::npos);
  EXPECT_EQ(parse_machine_config(to_yaml(config), config.source), config);
  expect_input_error([] { parse_machine_config("memory:\n  multicast: yes\n", "m.yaml"); },
                     {"m.yaml:2:", "memory.multicast", "off, on", "yes"});
}

TEST(MachineConfig, BadMemoryModelAndDramGeometryNameTheKey) {
  expect_input_error([] { parse_machine_config("memory:\n  model: hbm\n", "m.yaml"); },
                     {"m.yaml:2:", "memory.model", "ideal, dram", "hbm"});
  expect_input_error([] { parse_machine_config("dram:\n  channels: 3\n", "m.yaml"); },
                     {"m.yaml:2:", "dram.channels", "power of two"});
  expect_input_error([] { parse_machine_config("dram:\n  burst_length: 1\n", "m.yaml"); },
                     {"m.yaml:2:", "dram.burst_length", "at least 2"});
  expect_input_error([] { parse_machine_config("dram:\n  trefi: 100\n", "m.yaml"); },
                     {"m.yaml:2:", "dram.trefi", "dram.trfc"});
  const ConfigOverride bandwidth[] = {parse_override("memory.model=dram"), parse_override("memory.bandwidth_bytes_per_cycle=32")};
  expect_input_error([&] { parse_machine_config("cores: 1\n", "m.yaml", bandwidth); },
                     {"-p memory.bandwidth_bytes_per_cycle=32", "does nothing", "dram.channels"});
  const ConfigOverride channels[] = {parse_override("dram.channels=2")};
  expect_input_error([&] { parse_machine_config("cores: 1\n", "m.yaml", channels); },
                     {"-p dram.channels=2", "does nothing", "memory.model=dram"});
  expect_input_error([] { parse_machine_config("dram:\n  chanels: 4\n", "m.yaml"); },
                     {"m.yaml:2:", "dram.chanels", "unknown key", "channels"});
}

TEST(MachineConfig, ReadsARealFileFromDisk) {
  const auto path = std::filesystem::temp_directory_path() / "tetris_machine_config_test.yaml";
  std::ofstream(path) << "name: tiny\ncores: 3\ncore:\n  sb_bytes: 1024\n";
  const MachineConfig config = load_machine_config(path.string());
  std::filesystem::remove(path);
  EXPECT_EQ(config.name, "tiny");
  EXPECT_EQ(config.cores, 3u);
  EXPECT_EQ(config.core.sb_bytes, 1024u);
  EXPECT_EQ(config.source, path.string());
}

}  // namespace
}  // namespace tetris
