#include "common/machine_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "common/builtin_configs.h"
#include "common/file_io.h"
#include "common/input_error.h"
#include "common/text.h"

namespace tetris {
namespace {

// Defaults describe one Cambricon-X core (Zhang et al., "Cambricon-X: An Accelerator for Sparse
// Neural Networks", MICRO 2016) on a shared memory whose figures are stated assumptions.
constexpr std::uint64_t DEFAULT_CORES = 1;
constexpr std::uint64_t DEFAULT_CLOCK_MHZ = 1000;
constexpr std::uint64_t DEFAULT_PE_COUNT = 16;
constexpr std::uint64_t DEFAULT_MACS_PER_PE_PER_CYCLE = 16;
constexpr std::uint64_t DEFAULT_VECTOR_OPS_PER_PE_PER_CYCLE = 16;
constexpr std::uint64_t DEFAULT_NBIN_BYTES = 8 * 1024;
constexpr std::uint64_t DEFAULT_NBOUT_BYTES = 8 * 1024;
constexpr std::uint64_t DEFAULT_SB_BYTES = 32 * 1024;
constexpr std::uint64_t DEFAULT_ELEMENT_BYTES = 2;
// A config that does not name it has no indexing module (dense, as before the key existed); the
// shipped configs set 8, with their reason.
constexpr std::uint64_t DEFAULT_INDEX_BITS = 0;
constexpr std::uint64_t DEFAULT_CAPACITY_BYTES = 1ull << 30;
constexpr std::uint64_t DEFAULT_BANDWIDTH_BYTES_PER_CYCLE = 64;
constexpr std::uint64_t DEFAULT_LATENCY_CYCLES = 100;
// A config that does not name it behaves as before the key existed (one request); the shipped
// configs (configs/cambricon-x-*.yaml) set 4, with their reason.
constexpr std::uint64_t DEFAULT_REQUESTS_IN_FLIGHT = 1;
constexpr std::uint64_t DEFAULT_ALIGNMENT_BYTES = 64;
constexpr std::uint64_t DEFAULT_BARRIER_LATENCY_CYCLES = 20;
constexpr std::uint64_t DEFAULT_SEMAPHORE_LATENCY_CYCLES = 10;

constexpr std::uint64_t kMaxBytes = 1ull << 48;

constexpr std::array<std::string_view, 2> kMemoryModels = {"ideal", "dram"};
constexpr std::array<std::string_view, 2> kOffOn = {"off", "on"};
constexpr std::uint64_t kMaxTck = 1ull << 24;

// The dram section's defaults: one DDR4-2400 part, JEDEC_4Gb_DDR4-2400_8bit_A as DRAMSys ships it
// (github.com/tukl-msd/DRAMSys, configs/memspec), in tCK.
const std::array<ConfigField, 44> kFields = {{
    {"cores", DEFAULT_CORES, 1, kMaxCores, "number of identical cores sharing the memory",
     &MachineConfig::cores},
    {"core.clock_mhz", DEFAULT_CLOCK_MHZ, 1, 100000, "core clock (paper: 1 GHz)", nullptr,
     &CoreConfig::clock_mhz},
    {"core.pe_count", DEFAULT_PE_COUNT, 1, 65536, "processing elements per core (paper: 16)",
     nullptr, &CoreConfig::pe_count},
    {"core.macs_per_pe_per_cycle", DEFAULT_MACS_PER_PE_PER_CYCLE, 1, 65536,
     "16 multipliers + adder tree per PE (paper; 16 PEs x 16 MACs x 2 ops x 1 GHz = 512 of the "
     "544 GOP/s peak)",
     nullptr, &CoreConfig::macs_per_pe_per_cycle},
    {"core.vector_ops_per_pe_per_cycle", DEFAULT_VECTOR_OPS_PER_PE_PER_CYCLE, 1, 65536,
     "element-wise ops (pool, activation, add) per PE per cycle (assumption: one per multiplier)",
     nullptr, &CoreConfig::vector_ops_per_pe_per_cycle},
    {"core.nbin_bytes", DEFAULT_NBIN_BYTES, 1, kMaxBytes,
     "input-neuron buffer (paper: 8 KB)", nullptr, &CoreConfig::nbin_bytes},
    {"core.nbout_bytes", DEFAULT_NBOUT_BYTES, 1, kMaxBytes,
     "output-neuron buffer (paper: 8 KB)", nullptr, &CoreConfig::nbout_bytes},
    {"core.sb_bytes", DEFAULT_SB_BYTES, 1, kMaxBytes,
     "synapse (weight) buffer, all PEs together (assumption: 2 KB per PE)", nullptr,
     &CoreConfig::sb_bytes},
    {"core.element_bytes", DEFAULT_ELEMENT_BYTES, 1, 8, "bytes per element (paper: 16-bit fixed point)",
     nullptr, &CoreConfig::element_bytes},
    {"core.index_bits", DEFAULT_INDEX_BITS, 0, 16,
     "bits of index per nonzero synapse of a pruned layer (0: no indexing module, weights dense)",
     nullptr, &CoreConfig::index_bits},
    {"memory.capacity_bytes", DEFAULT_CAPACITY_BYTES, 1, kMaxBytes,
     "shared off-chip memory size (assumption: 1 GiB)", nullptr, nullptr,
     &MemoryConfig::capacity_bytes},
    {"memory.bandwidth_bytes_per_cycle", DEFAULT_BANDWIDTH_BYTES_PER_CYCLE, 1, 1ull << 20,
     "shared by all cores (assumption: 64 GB/s at 1 GHz)", nullptr, nullptr,
     &MemoryConfig::bandwidth_bytes_per_cycle},
    {"memory.latency_cycles", DEFAULT_LATENCY_CYCLES, 0, 1ull << 20,
     "request to first data (assumption: ~100 ns DRAM)", nullptr, nullptr,
     &MemoryConfig::latency_cycles},
    {"memory.alignment_bytes", DEFAULT_ALIGNMENT_BYTES, 1, 1ull << 20,
     "tensor base address alignment, a power of two (assumption: one 64-byte burst)", nullptr,
     nullptr, &MemoryConfig::alignment_bytes},
    {"memory.requests_in_flight", DEFAULT_REQUESTS_IN_FLIGHT, 1, 64,
     "DMA requests each core's load unit, and its store unit, keep in flight (1: each waits for the "
     "last to complete, exposing the latency)",
     nullptr, nullptr, &MemoryConfig::requests_in_flight},
    {"memory.model", 0, 0, kMemoryModels.size() - 1,
     "ideal: one bus moving bandwidth_bytes_per_cycle every cycle after latency_cycles; dram: the "
     "channels of the dram section after latency_cycles, with banks, row buffers, refresh and "
     "turnaround (docs/simulator.md)",
     nullptr, nullptr, &MemoryConfig::model, nullptr, nullptr, kMemoryModels},
    {"memory.multicast", 0, 0, kOffOn.size() - 1,
     "on: the memory reads a multicast load group (trace mload) once, when its last core issues, and "
     "delivers it to all its cores together, and lowering groups identical loads into such groups; off "
     "(Cambricon-X: no inter-core multicast): each is a plain load (docs/simulator.md)",
     nullptr, nullptr, &MemoryConfig::multicast, nullptr, nullptr, kOffOn},
    {"sync.barrier_latency_cycles", DEFAULT_BARRIER_LATENCY_CYCLES, 0, 1ull << 20,
     "from the last arrival to release (assumption)", nullptr, nullptr, nullptr,
     &SyncConfig::barrier_latency_cycles},
    {"sync.semaphore_latency_cycles", DEFAULT_SEMAPHORE_LATENCY_CYCLES, 0, 1ull << 20,
     "from signal to the waiting core seeing it (assumption)", nullptr, nullptr, nullptr,
     &SyncConfig::semaphore_latency_cycles},
    {"dram.channels", 4, 1, 64,
     "DDR4 channels, interleaved every burst (assumption: 4 x 19.2 GB/s = 76.8 GB/s peak, above the ideal bus's 64 GB/s by what row misses and refresh take)", nullptr, nullptr, nullptr, nullptr,
     &DramConfig::channels},
    {"dram.bus_bytes", 8, 1, 64,
     "data bus of one channel (a 64-bit rank of x8 chips)", nullptr, nullptr, nullptr, nullptr,
     &DramConfig::bus_bytes},
    {"dram.tck_ps", 833, 1, 100000,
     "DRAM clock period (DDR4-2400: 1200 MHz)", nullptr, nullptr, nullptr, nullptr,
     &DramConfig::tck_ps},
    {"dram.burst_length", 8, 1, 64,
     "data beats per column command (DDR4: BL8, two per tCK)", nullptr, nullptr, nullptr, nullptr,
     &DramConfig::burst_length},
    {"dram.bank_groups", 4, 1, 8,
     "bank groups per channel (DDR4 x8: 4)", nullptr, nullptr, nullptr, nullptr,
     &DramConfig::bank_groups},
    {"dram.banks_per_group", 4, 1, 64,
     "banks per bank group (DDR4: 4)", nullptr, nullptr, nullptr, nullptr,
     &DramConfig::banks_per_group},
    {"dram.rows", 32768, 1, 1ull << 24,
     "rows per bank (4 Gb x8: 32768)", nullptr, nullptr, nullptr, nullptr,
     &DramConfig::rows},
    {"dram.columns", 1024, 1, 1ull << 20,
     "columns per row (4 Gb x8: 1024; 8 KiB per row across the rank)", nullptr, nullptr, nullptr, nullptr,
     &DramConfig::columns},
    {"dram.cl", 16, 1, kMaxTck,
     "read command to first data, tCK (CL)", nullptr, nullptr, nullptr, nullptr,
     &DramConfig::cl},
    {"dram.cwl", 16, 1, kMaxTck,
     "write command to first data, tCK (CWL)", nullptr, nullptr, nullptr, nullptr,
     &DramConfig::cwl},
    {"dram.trcd", 16, 1, kMaxTck,
     "activate to column command, tCK (tRCD)", nullptr, nullptr, nullptr, nullptr,
     &DramConfig::trcd},
    {"dram.trp", 16, 1, kMaxTck,
     "precharge to activate, tCK (tRP)", nullptr, nullptr, nullptr, nullptr,
     &DramConfig::trp},
    {"dram.tras", 39, 1, kMaxTck,
     "activate to precharge, tCK (tRAS)", nullptr, nullptr, nullptr, nullptr,
     &DramConfig::tras},
    {"dram.trc", 55, 1, kMaxTck,
     "activate to activate in one bank, tCK (tRC)", nullptr, nullptr, nullptr, nullptr,
     &DramConfig::trc},
    {"dram.trrd_s", 4, 1, kMaxTck,
     "activate to activate, other bank group, tCK (tRRD_S)", nullptr, nullptr, nullptr, nullptr,
     &DramConfig::trrd_s},
    {"dram.trrd_l", 6, 1, kMaxTck,
     "activate to activate, same bank group, tCK (tRRD_L)", nullptr, nullptr, nullptr, nullptr,
     &DramConfig::trrd_l},
    {"dram.tccd_s", 4, 1, kMaxTck,
     "column to column, other bank group, tCK (tCCD_S)", nullptr, nullptr, nullptr, nullptr,
     &DramConfig::tccd_s},
    {"dram.tccd_l", 6, 1, kMaxTck,
     "column to column, same bank group, tCK (tCCD_L)", nullptr, nullptr, nullptr, nullptr,
     &DramConfig::tccd_l},
    {"dram.tfaw", 26, 1, kMaxTck,
     "window holding at most four activates, tCK (tFAW)", nullptr, nullptr, nullptr, nullptr,
     &DramConfig::tfaw},
    {"dram.twr", 18, 1, kMaxTck,
     "end of write data to precharge, tCK (tWR)", nullptr, nullptr, nullptr, nullptr,
     &DramConfig::twr},
    {"dram.twtr_s", 3, 1, kMaxTck,
     "end of write data to read command, other bank group, tCK (tWTR_S)", nullptr, nullptr, nullptr, nullptr,
     &DramConfig::twtr_s},
    {"dram.twtr_l", 9, 1, kMaxTck,
     "end of write data to read command, same bank group, tCK (tWTR_L)", nullptr, nullptr, nullptr, nullptr,
     &DramConfig::twtr_l},
    {"dram.trtp", 12, 1, kMaxTck,
     "read command to precharge, tCK (tRTP)", nullptr, nullptr, nullptr, nullptr,
     &DramConfig::trtp},
    {"dram.trfc", 312, 1, kMaxTck,
     "refresh command to activate, tCK (tRFC1)", nullptr, nullptr, nullptr, nullptr,
     &DramConfig::trfc},
    {"dram.trefi", 9360, 1, kMaxTck,
     "refresh interval, tCK (tREFI: 7.8 us)", nullptr, nullptr, nullptr, nullptr,
     &DramConfig::trefi},
}};

constexpr std::array<std::string_view, 4> kSections = {"core", "memory", "sync", "dram"};

// The raw layer: each key the file (or an override) set, with the text and where it came from.
struct RawValue {
  std::string text;
  SourceLocation where;
};
struct RawConfig {
  std::optional<RawValue> name;
  std::map<std::string, RawValue, std::less<>> values;  // by dotted path
};

SourceLocation location_of(const YAML::Node& node, std::string_view file) {
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0) return {std::string(file), 0, 0};
  return {std::string(file), static_cast<std::uint64_t>(mark.line) + 1,
          static_cast<std::uint64_t>(mark.column) + 1};
}

const ConfigField* find_field(std::string_view path) {
  for (const auto& field : kFields)
    if (field.path == path) return &field;
  return nullptr;
}

bool is_section(std::string_view key) {
  return std::find(kSections.begin(), kSections.end(), key) != kSections.end();
}

std::string known_keys_under(std::string_view section) {
  std::string keys;
  for (const auto& field : kFields) {
    std::string_view path = field.path;
    const auto dot = path.find('.');
    const std::string_view head = dot == std::string_view::npos ? std::string_view{} : path.substr(0, dot);
    if (head != section) continue;
    if (!keys.empty()) keys += ", ";
    keys += dot == std::string_view::npos ? path : path.substr(dot + 1);
  }
  if (section.empty()) keys = "name, " + keys + ", core, memory, sync, dram";
  return keys;
}

void require_scalar(const YAML::Node& node, std::string_view path, std::string_view file) {
  if (!node.IsScalar())
    throw InputError(location_of(node, file),
                     fmt::format("'{}' must be a single value, not a {}", path,
                                 node.IsMap() ? "mapping" : node.IsSequence() ? "list" : "null"));
}

void read_mapping(const YAML::Node& map, std::string_view section, std::string_view file,
                  RawConfig& raw) {
  std::vector<std::string> seen;
  for (const auto& entry : map) {
    const std::string key = entry.first.as<std::string>();
    const std::string path = section.empty() ? key : fmt::format("{}.{}", section, key);
    const SourceLocation key_at = location_of(entry.first, file);
    if (std::find(seen.begin(), seen.end(), key) != seen.end())
      throw InputError(key_at, fmt::format("duplicate key '{}'", path));
    seen.push_back(key);

    if (section.empty() && is_section(key)) {
      if (!entry.second.IsMap())
        throw InputError(location_of(entry.second, file),
                         fmt::format("'{}' must be a mapping of keys ({})", key, known_keys_under(key)));
      read_mapping(entry.second, key, file, raw);
      continue;
    }
    if (section.empty() && key == "name") {
      require_scalar(entry.second, path, file);
      raw.name = RawValue{entry.second.Scalar(), location_of(entry.second, file)};
      continue;
    }
    if (!find_field(path))
      throw InputError(key_at, fmt::format("unknown key '{}' (known here: {})", path,
                                           known_keys_under(section)));
    require_scalar(entry.second, path, file);
    raw.values[path] = RawValue{entry.second.Scalar(), location_of(entry.second, file)};
  }
}

RawConfig read_raw(std::string_view text, std::string_view file) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw InputError({std::string(file), static_cast<std::uint64_t>(e.mark.line) + 1,
                      static_cast<std::uint64_t>(e.mark.column) + 1},
                     fmt::format("malformed YAML: {}", e.msg));
  }
  if (!root.IsMap())
    throw InputError(location_of(root, file),
                     root.IsNull() ? "the config is empty; expected a mapping of keys"
                                   : "the config must be a mapping of keys at the top level");
  RawConfig raw;
  try {
    read_mapping(root, "", file, raw);
  } catch (const YAML::Exception& e) {  // e.g. a list used as a key
    throw InputError({std::string(file), e.mark.line < 0 ? 0 : static_cast<std::uint64_t>(e.mark.line) + 1,
                      e.mark.column < 0 ? 0 : static_cast<std::uint64_t>(e.mark.column) + 1},
                     fmt::format("malformed config: {}", e.msg));
  }
  return raw;
}

std::uint64_t parse_unsigned(const RawValue& value, const ConfigField& field) {
  const std::string& text = value.text;
  if (!field.words.empty()) {
    const auto word = std::find(field.words.begin(), field.words.end(), text);
    if (word == field.words.end()) {
      std::string words;
      for (const std::string_view w : field.words) words += fmt::format("{}{}", words.empty() ? "" : ", ", w);
      throw InputError(value.where, fmt::format("'{}' must be one of {}, got '{}'", field.path, words, text));
    }
    return static_cast<std::uint64_t>(word - field.words.begin());
  }
  std::uint64_t result = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, result);
  if (ec == std::errc::result_out_of_range)
    throw InputError(value.where, fmt::format("'{}' = '{}' is too large (maximum {})", field.path,
                                              text, field.max_value));
  if (text.empty() || ec != std::errc() || ptr != end)
    throw InputError(value.where, fmt::format("'{}' must be a non-negative integer, got '{}'",
                                              field.path, text));
  return result;
}

bool is_power_of_two(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

MachineConfig validate(const RawConfig& raw, std::string_view file) {
  MachineConfig config{};
  config.source = std::string(file);
  config.name = raw.name ? raw.name->text : std::string("unnamed");
  if (config.name.empty() || config.name.find_first_of(" \t\n") != std::string::npos)
    throw InputError(raw.name ? raw.name->where : SourceLocation{std::string(file)},
                     fmt::format("'name' must be one word without spaces, got '{}'", config.name));
  for (const auto& field : kFields) {
    const auto it = raw.values.find(field.path);
    if (it == raw.values.end()) {
      field.set(config, field.default_value);
      continue;
    }
    const std::uint64_t value = parse_unsigned(it->second, field);
    if (value < field.min_value || value > field.max_value)
      throw InputError(it->second.where,
                       fmt::format("'{}' = {} is out of range [{}, {}]", field.path, value,
                                   field.min_value, field.max_value));
    field.set(config, value);
  }
  auto where = [&](std::string_view path) {
    const auto it = raw.values.find(path);
    return it == raw.values.end() ? SourceLocation{std::string(file)} : it->second.where;
  };
  if (!is_power_of_two(config.memory.alignment_bytes))
    throw InputError(where("memory.alignment_bytes"),
                     fmt::format("'memory.alignment_bytes' = {} must be a power of two",
                                 config.memory.alignment_bytes));
  if (!is_power_of_two(config.core.element_bytes))
    throw InputError(where("core.element_bytes"),
                     fmt::format("'core.element_bytes' = {} must be 1, 2, 4 or 8",
                                 config.core.element_bytes));
  // The DRAM address mapping takes each field from bits of the address.
  for (std::string_view key : {"dram.channels", "dram.bus_bytes", "dram.burst_length", "dram.bank_groups",
                               "dram.banks_per_group", "dram.rows", "dram.columns"}) {
    const std::uint64_t value = find_field(key)->get(config);
    if (!is_power_of_two(value))
      throw InputError(where(key), fmt::format("'{}' = {} must be a power of two (it is a field of the address)", key,
                                               value));
  }
  if (config.dram.columns < config.dram.burst_length)
    throw InputError(where("dram.columns"), fmt::format("'dram.columns' = {} is less than one burst ('dram.burst_length' = {})",
                                                        config.dram.columns, config.dram.burst_length));
  if (config.dram.burst_length < 2)
    throw InputError(where("dram.burst_length"), "'dram.burst_length' must be at least 2 (two beats per tCK)");
  if (config.dram.trefi <= config.dram.trfc)
    throw InputError(where("dram.trefi"), fmt::format("'dram.trefi' = {} must exceed 'dram.trfc' = {}: the channel "
                                                      "would do nothing but refresh",
                                                      config.dram.trefi, config.dram.trfc));
  for (std::string_view buffer : {"core.nbin_bytes", "core.nbout_bytes", "core.sb_bytes"}) {
    const std::uint64_t bytes = find_field(buffer)->get(config);
    if (bytes % config.core.element_bytes != 0)
      throw InputError(where(buffer), fmt::format("'{}' = {} is not a whole number of {}-byte elements",
                                                  buffer, bytes, config.core.element_bytes));
  }
  return config;
}

}  // namespace

std::uint64_t ConfigField::get(const MachineConfig& c) const {
  if (top) return c.*top;
  if (core) return c.core.*core;
  if (memory) return c.memory.*memory;
  if (dram) return c.dram.*dram;
  return c.sync.*sync;
}

void ConfigField::set(MachineConfig& c, std::uint64_t value) const {
  if (top) c.*top = value;
  else if (core) c.core.*core = value;
  else if (memory) c.memory.*memory = value;
  else if (dram) c.dram.*dram = value;
  else c.sync.*sync = value;
}

std::string ConfigField::text(const MachineConfig& c) const {
  const std::uint64_t value = get(c);
  if (!words.empty() && value < words.size()) return std::string(words[value]);
  return fmt::format("{}", value);
}

std::uint64_t MachineConfig::peak_bandwidth_bytes_per_cycle() const {
  if (!dram_memory()) return memory.bandwidth_bytes_per_cycle;
  // channels x bus x 2 beats per tCK, per core cycle of 1e6 / clock_mhz ps.
  const unsigned __int128 numerator =
      static_cast<unsigned __int128>(dram.channels) * dram.bus_bytes * 2 * 1000000;
  const unsigned __int128 denominator = static_cast<unsigned __int128>(dram.tck_ps) * core.clock_mhz;
  return static_cast<std::uint64_t>((numerator + denominator - 1) / denominator);
}

std::span<const ConfigField> config_fields() { return kFields; }

ConfigOverride parse_override(std::string_view argument) {
  const auto eq = argument.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == argument.size())
    throw InputError({fmt::format("-p {}", argument)},
                     "an override must look like KEY=VALUE, e.g. memory.latency_cycles=200");
  return {std::string(argument.substr(0, eq)), std::string(argument.substr(eq + 1))};
}

MachineConfig parse_machine_config(std::string_view yaml_text, std::string_view file_label,
                                   std::span<const ConfigOverride> overrides) {
  RawConfig raw = read_raw(yaml_text, file_label);
  std::vector<MachineConfig::OverriddenKey> overridden;
  for (const auto& override_ : overrides) {
    SourceLocation where{fmt::format("-p {}={}", override_.path, override_.value)};
    if (override_.path == "name") {
      raw.name = RawValue{override_.value, where};
      continue;
    }
    if (!find_field(override_.path)) {
      const auto dot = override_.path.find('.');
      const std::string section = dot == std::string::npos ? "" : override_.path.substr(0, dot);
      throw InputError(where, fmt::format("unknown key '{}' (known here: {})", override_.path,
                                          known_keys_under(is_section(section) ? section : "")));
    }
    const auto in_file = raw.values.find(override_.path);
    std::string file_value = in_file != raw.values.end()
                                 ? in_file->second.text
                                 : fmt::format("{}", find_field(override_.path)->default_value);
    if (const auto earlier = std::find_if(overridden.begin(), overridden.end(),
                                          [&](const auto& o) { return o.path == override_.path; });
        earlier != overridden.end())
      file_value = earlier->file_value;  // a repeated -p: the file's value is the first one's
    std::erase_if(overridden, [&](const auto& o) { return o.path == override_.path; });
    overridden.push_back({override_.path, std::move(file_value)});
    raw.values[override_.path] = RawValue{override_.value, where};
  }
  MachineConfig config = validate(raw, file_label);
  // An override that cannot change the run is a mistake to say, not to ignore: a sweep over the
  // ideal bus's bandwidth on DRAM would report the same cycles for every value.
  for (const auto& o : overridden) {
    const SourceLocation where{fmt::format("-p {}={}", o.path, raw.values.at(o.path).text)};
    if (o.path == "memory.bandwidth_bytes_per_cycle" && config.dram_memory())
      throw InputError(where, "the ideal bus's bandwidth does nothing with memory.model: dram (the dram channels set "
                              "it: -p dram.channels=N, or -p memory.model=ideal)");
    if (o.path.starts_with("dram.") && !config.dram_memory())
      throw InputError(where, fmt::format("'{}' does nothing with memory.model: ideal (add -p memory.model=dram)", o.path));
  }
  config.overridden = std::move(overridden);
  return config;
}

MachineConfig load_machine_config(std::string_view path_or_name,
                                  std::span<const ConfigOverride> overrides) {
  const std::filesystem::path path{std::string(path_or_name)};
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec))
    return parse_machine_config(read_text_file(path.string()), path.string(), overrides);
  // Not a file: a built-in name, with or without the folder and extension.
  std::string name = path.filename().string();
  if (name.ends_with(".yaml")) name.resize(name.size() - 5);
  if (const auto text = builtin_config_text(name))
    return parse_machine_config(*text, fmt::format("configs/{}.yaml (built in)", name), overrides);
  std::string names;
  for (const auto& n : builtin_config_names()) names += (names.empty() ? "" : ", ") + n;
  throw InputError({path.string()},
                   fmt::format("no such config file, and not a built-in config (built in: {})", names));
}

std::string to_yaml(const MachineConfig& config) {
  std::string out = fmt::format("# effective machine config (from {})\nname: {}\n", config.source,
                                config.name);
  std::string_view current_section;
  for (const auto& field : kFields) {
    const auto dot = field.path.find('.');
    const std::string_view section = dot == std::string_view::npos ? "" : field.path.substr(0, dot);
    const std::string_view key = dot == std::string_view::npos ? field.path : field.path.substr(dot + 1);
    if (section != current_section) {
      out += fmt::format("{}:\n", section);
      current_section = section;
    }
    const auto overridden = std::find_if(config.overridden.begin(), config.overridden.end(),
                                         [&](const auto& o) { return o.path == field.path; });
    if (overridden != config.overridden.end())
      out += fmt::format("{}{}: {}  # set by -p; the config's {} was: {}\n",
                         section.empty() ? "" : "  ", key, field.text(config), overridden->file_value,
                         field.description);
    else
      out += fmt::format("{}{}: {}  # {}\n", section.empty() ? "" : "  ", key, field.text(config),
                         field.description);
  }
  return out;
}

std::string to_json(const MachineConfig& config) {
  nlohmann::ordered_json json;
  json["name"] = config.name;
  json["source"] = config.source;
  if (!config.overridden.empty()) {
    nlohmann::ordered_json overridden = nlohmann::ordered_json::object();
    for (const auto& o : config.overridden) overridden[o.path] = {{"config_value", o.file_value}};
    json["overridden_by_p"] = overridden;
  }
  for (const auto& field : kFields) {
    const auto dot = field.path.find('.');
    if (dot == std::string_view::npos)
      json[std::string(field.path)] = field.get(config);
    else
      json[std::string(field.path.substr(0, dot))][std::string(field.path.substr(dot + 1))] =
          field.words.empty() ? nlohmann::ordered_json(field.get(config)) : nlohmann::ordered_json(field.text(config));
  }
  return json_text(json, 2) + "\n";
}

}  // namespace tetris
