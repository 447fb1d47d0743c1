// Every statistic the simulator reports, declared once: its name, unit, description and how it
// is computed from a result. The table and the JSON are both generated from these lists, so a
// statistic added here appears everywhere, documented.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/core_model.h"
#include "sim/simulator.h"

namespace tetris::sim {

// monostate: the statistic does not apply (a view layer's roofline); shown as "-" and null.
using StatValue = std::variant<std::monostate, std::uint64_t, double>;

template <typename Subject>
struct Statistic {
  std::string_view name;
  std::string_view unit;
  std::string_view description;
  StatValue (*value)(const Subject&);
};

// Over all runs of a `--runs N` invocation.
struct RunSet {
  std::span<const RunResult> runs;
};

std::span<const Statistic<RunResult>> run_statistics();      // one run's totals
std::span<const Statistic<CoreStats>> core_statistics();     // per core
std::span<const Statistic<LayerResult>> layer_statistics();  // per layer
std::span<const Statistic<RunSet>> run_set_statistics();     // over all runs
// A run on DRAM (memory.model: dram): row buffers, refresh, what the channels moved.
std::span<const Statistic<RunResult>> dram_statistics();
// Only for a run in which multicast groups were read (memory.multicast: on).
std::span<const Statistic<RunResult>> multicast_statistics();

std::string format_value(const StatValue& value);

}  // namespace tetris::sim
