// The machine: N Cambricon-X cores over one uniform shared memory, loaded from YAML.
// Loading is two layers: raw YAML (with source locations) -> a validated, immutable MachineConfig.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tetris {

struct CoreConfig {
  std::uint64_t clock_mhz;
  std::uint64_t pe_count;
  std::uint64_t macs_per_pe_per_cycle;
  std::uint64_t vector_ops_per_pe_per_cycle;
  std::uint64_t nbin_bytes;
  std::uint64_t nbout_bytes;
  std::uint64_t sb_bytes;
  std::uint64_t element_bytes;
  // Bits of the index stored with each nonzero synapse of a pruned weight matrix, which the
  // indexing module reads to pick the input neurons each PE needs; 0: no indexing module, every
  // weight stored and multiplied dense.
  std::uint64_t index_bits;

  bool operator==(const CoreConfig&) const = default;
};

struct MemoryConfig {
  std::uint64_t capacity_bytes;
  std::uint64_t bandwidth_bytes_per_cycle;
  std::uint64_t latency_cycles;
  std::uint64_t alignment_bytes;
  std::uint64_t requests_in_flight;  // per load unit and per store unit of a core
  std::uint64_t model;               // a MemoryModel: what stands behind the latency
  std::uint64_t multicast;           // 1: a multicast load group is read once for all its cores

  bool operator==(const MemoryConfig&) const = default;
};

// `memory.model`: an ideal bus that moves bandwidth_bytes_per_cycle every cycle, or DRAM
// channels with banks, row buffers and JEDEC timing (the `dram` section; docs/simulator.md).
enum class MemoryModel : std::uint64_t { ideal = 0, dram = 1 };

// One DRAM part and how many channels of it (memory.model: dram). Timings are in the part's
// clock cycles (tCK), as datasheets and DRAMSys/Ramulator configs give them.
struct DramConfig {
  std::uint64_t channels;
  std::uint64_t bus_bytes;  // data bus width of one channel
  std::uint64_t tck_ps;
  std::uint64_t burst_length;
  std::uint64_t bank_groups;
  std::uint64_t banks_per_group;
  std::uint64_t rows;
  std::uint64_t columns;
  std::uint64_t cl, cwl, trcd, trp, tras, trc, trrd_s, trrd_l, tccd_s, tccd_l, tfaw, twr, twtr_s, twtr_l, trtp,
      trfc, trefi;

  bool operator==(const DramConfig&) const = default;
};

struct SyncConfig {
  std::uint64_t barrier_latency_cycles;
  std::uint64_t semaphore_latency_cycles;

  bool operator==(const SyncConfig&) const = default;
};

// Validated and immutable once loaded: every value is in range and cross-checked.
// The most cores a machine (and a trace) may have: per-core state such as vector clocks grows
// with the square of the cores, so 65,536 cores would take gigabytes before any work.
inline constexpr std::uint32_t kMaxCores = 1024;

struct MachineConfig {
  std::string name;
  std::uint64_t cores;
  CoreConfig core;
  MemoryConfig memory;
  SyncConfig sync;
  DramConfig dram;
  // Where it came from (file path, or "configs/NAME.yaml (built in)"), for reports.
  std::string source;
  // Keys a `-p` override set, with what the file said (or its default), so reports and
  // `config show` say what was changed and do not credit a new value to the file's reasoning.
  struct OverriddenKey {
    std::string path;
    std::string file_value;
    bool operator==(const OverriddenKey&) const = default;
  };
  std::vector<OverriddenKey> overridden;

  // The same machine, however its values were given: `overridden` is how, not what.
  bool operator==(const MachineConfig& other) const {
    return name == other.name && cores == other.cores && core == other.core && memory == other.memory &&
           sync == other.sync && dram == other.dram && source == other.source;
  }
  std::uint64_t macs_per_cycle() const { return cores * core.pe_count * core.macs_per_pe_per_cycle; }
  bool dram_memory() const { return memory.model == static_cast<std::uint64_t>(MemoryModel::dram); }
  bool multicasts() const { return memory.multicast != 0; }
  // The most bytes the memory can move per core cycle: the ideal bus's bandwidth, or the DRAM
  // channels' data buses at full speed, rounded up (a roofline built on it stays a lower bound).
  std::uint64_t peak_bandwidth_bytes_per_cycle() const;
};

// One numeric configuration key: its dotted path, unit (also in the key's name), range and meaning.
// The table of these is the single declaration of the config schema: loader, validator,
// `config show` and the docs are all driven by it.
struct ConfigField {
  std::string_view path;
  std::uint64_t default_value;
  std::uint64_t min_value;
  std::uint64_t max_value;
  std::string_view description;
  std::uint64_t MachineConfig::*top = nullptr;  // exactly one of these accessors is set
  std::uint64_t CoreConfig::*core = nullptr;
  std::uint64_t MemoryConfig::*memory = nullptr;
  std::uint64_t SyncConfig::*sync = nullptr;
  std::uint64_t DramConfig::*dram = nullptr;
  // A key whose values are words: the value is the index of the word (memory.model).
  std::span<const std::string_view> words = {};

  std::uint64_t get(const MachineConfig& config) const;
  // The value as the config file writes it: the word, or the number.
  std::string text(const MachineConfig& config) const;
  void set(MachineConfig& config, std::uint64_t value) const;
};

std::span<const ConfigField> config_fields();

// A `-p key=value` override from the command line.
struct ConfigOverride {
  std::string path;
  std::string value;
};

// Parses "key=value"; throws InputError naming the argument when it is malformed.
ConfigOverride parse_override(std::string_view argument);

// Loads `path_or_name`: a YAML file, or the name of a built-in config ("cambricon-x-4core").
// Throws InputError naming the file, key path and line for unknown keys, wrong types,
// out-of-range values, and overrides naming unknown keys.
MachineConfig load_machine_config(std::string_view path_or_name,
                                  std::span<const ConfigOverride> overrides = {});

// Same, from YAML text; `file_label` is used in error messages.
MachineConfig parse_machine_config(std::string_view yaml_text, std::string_view file_label,
                                   std::span<const ConfigOverride> overrides = {});

// The effective config as commented YAML that load_machine_config reads back unchanged.
std::string to_yaml(const MachineConfig& config);
std::string to_json(const MachineConfig& config);

inline constexpr std::string_view kDefaultConfigName = "cambricon-x-4core";

}  // namespace tetris
