#include "sim/statistics.h"

#include <algorithm>

#include <fmt/format.h>

namespace tetris::sim {
namespace {

double ratio(double a, double b) { return b == 0 ? 0.0 : a / b; }
StatValue optional_value(const std::optional<double>& v) { return v ? StatValue(*v) : StatValue(); }

const Statistic<RunResult> kRunStatistics[] = {
    {"cycles", "cycles", "total simulated cycles, until the last core finished",
     [](const RunResult& r) -> StatValue { return r.cycles; }},
    {"time", "us", "simulated time at the core clock",
     [](const RunResult& r) -> StatValue { return ratio(double(r.cycles), double(r.clock_mhz)); }},
    {"instructions", "instructions", "instructions executed by all cores",
     [](const RunResult& r) -> StatValue { return r.instructions; }},
    {"bytes_read", "bytes", "bytes loaded from the shared memory (a multicast group's once, memory.multicast: on)",
     [](const RunResult& r) -> StatValue { return r.bytes_read; }},
    {"bytes_written", "bytes", "bytes stored to the shared memory",
     [](const RunResult& r) -> StatValue { return r.bytes_written; }},
    {"bandwidth_utilisation", "%", "bytes moved / (cycles x bandwidth)",
     [](const RunResult& r) -> StatValue {
       return 100 * ratio(double(r.bytes_read + r.bytes_written), double(r.cycles) * double(r.bandwidth_bytes_per_cycle));
     }},
    {"memory_bus_busy", "%", "cycles in which the memory bus moved a beat / cycles",
     [](const RunResult& r) -> StatValue { return 100 * ratio(double(r.memory_busy_cycles), double(r.cycles)); }},
    {"footprint", "bytes", "the plan's footprint: one past the highest address of an input, activation or output",
     [](const RunResult& r) -> StatValue { return r.footprint_bytes; }},
    {"weights", "bytes", "the weight region above the planned one",
     [](const RunResult& r) -> StatValue { return r.weight_bytes; }},
    {"peak_live", "bytes",
     "most bytes of inputs, activations and outputs live at one cycle (first write to last access): a lower bound "
     "for any plan",
     [](const RunResult& r) -> StatValue { return r.peak_live_bytes; }},
    {"conflicts", "count", "loads that found bytes of another tensor or never written (one per load and store)",
     [](const RunResult& r) -> StatValue { return r.conflict_count; }},
    {"uninitialised_reads", "count", "of those, loads of bytes nobody had written",
     [](const RunResult& r) -> StatValue { return r.uninitialised_count; }},
    {"blocked_cores", "cores", "cores deadlocked at the end (0: the run completed)",
     [](const RunResult& r) -> StatValue { return std::uint64_t(r.deadlock ? r.deadlock->cores.size() : 0); }},
};

const Statistic<CoreStats> kCoreStatistics[] = {
    {"busy", "cycles", "the compute unit was computing", [](const CoreStats& c) -> StatValue { return c.busy; }},
    {"memory_stall", "cycles", "not computing while a load or store was in flight",
     [](const CoreStats& c) -> StatValue { return c.memory_stall; }},
    {"sync_stall", "cycles", "not computing, nothing in flight, waiting at a barrier or semaphore",
     [](const CoreStats& c) -> StatValue { return c.sync_stall; }},
    {"idle", "cycles", "finished its stream, waiting for the others",
     [](const CoreStats& c) -> StatValue { return c.idle; }},
    {"instructions", "instructions", "instructions in its stream",
     [](const CoreStats& c) -> StatValue { return c.instructions; }},
    {"bytes_read", "bytes", "bytes it loaded", [](const CoreStats& c) -> StatValue { return c.bytes_read; }},
    {"bytes_written", "bytes", "bytes it stored", [](const CoreStats& c) -> StatValue { return c.bytes_written; }},
};

const Statistic<LayerResult> kLayerStatistics[] = {
    {"cycles", "cycles", "from the first start of one of its loads, computes or stores to the last completion",
     [](const LayerResult& l) -> StatValue { return l.cycles(); }},
    {"own_cycles", "cycles",
     "of its cycles, those in which no earlier layer was in progress: unlike spans they never overlap, and "
     "all layers' add up to at most the run's cycles",
     [](const LayerResult& l) -> StatValue { return l.own_cycles; }},
    {"roofline", "cycles",
     "max(MACs / (cores x MACs per cycle) + element ops / (cores x ops per cycle), bytes / bandwidth); none for "
     "a view",
     [](const LayerResult& l) -> StatValue { return optional_value(l.roofline_cycles); }},
    {"vs_roofline", "x", "cycles / roofline (never below 1)",
     [](const LayerResult& l) -> StatValue {
       return l.roofline_cycles ? StatValue(ratio(double(l.cycles()), *l.roofline_cycles)) : StatValue();
     }},
    {"compulsory_roofline", "cycles",
     "the roofline with compulsory_bytes in place of bytes: what the layer must move at least",
     [](const LayerResult& l) -> StatValue { return optional_value(l.compulsory_roofline_cycles); }},
    {"vs_compulsory", "x", "cycles / compulsory roofline: above vs_roofline by what reloads cost",
     [](const LayerResult& l) -> StatValue {
       return l.compulsory_roofline_cycles ? StatValue(ratio(double(l.cycles()), *l.compulsory_roofline_cycles))
                                           : StatValue();
     }},
    {"macs", "MACs", "multiply-accumulates of its conv and fc computes",
     [](const LayerResult& l) -> StatValue { return l.macs; }},
    {"element_ops", "ops", "element operations of its other computes",
     [](const LayerResult& l) -> StatValue { return l.element_ops; }},
    {"bytes", "bytes", "bytes its loads and stores moved", [](const LayerResult& l) -> StatValue { return l.bytes; }},
    {"compulsory_bytes", "bytes", "distinct bytes it reads plus distinct bytes it writes: each moved once",
     [](const LayerResult& l) -> StatValue { return l.compulsory_bytes; }},
};

const Statistic<RunSet> kRunSetStatistics[] = {
    {"runs", "runs", "simulations run (with --jitter, one per seed)",
     [](const RunSet& s) -> StatValue { return std::uint64_t(s.runs.size()); }},
    {"min_cycles", "cycles", "fewest cycles of a run",
     [](const RunSet& s) -> StatValue {
       Cycles v = kNever;
       for (const RunResult& r : s.runs) v = std::min(v, r.cycles);
       return s.runs.empty() ? 0 : v;
     }},
    {"max_cycles", "cycles", "most cycles of a run",
     [](const RunSet& s) -> StatValue {
       Cycles v = 0;
       for (const RunResult& r : s.runs) v = std::max(v, r.cycles);
       return v;
     }},
    {"runs_with_conflicts", "runs", "runs in which the checker found a conflict",
     [](const RunSet& s) -> StatValue {
       return std::uint64_t(std::count_if(s.runs.begin(), s.runs.end(),
                                          [](const RunResult& r) { return r.conflict_count > 0; }));
     }},
    {"runs_deadlocked", "runs", "runs that ended in a deadlock",
     [](const RunSet& s) -> StatValue {
       return std::uint64_t(
           std::count_if(s.runs.begin(), s.runs.end(), [](const RunResult& r) { return r.deadlock.has_value(); }));
     }},
};

// Only asked of a run that has DRAM counts.
const DramStats& dram_of(const RunResult& r) { return *r.dram; }

const Statistic<RunResult> kDramStatistics[] = {
    {"row_hit_rate", "%", "of the banks a segment (one request's bursts in one row of one channel) touched, those "
     "with its row already open",
     [](const RunResult& r) -> StatValue { return 100 * dram_of(r).row_hit_rate(); }},
    {"activates", "count", "rows opened (row misses)", [](const RunResult& r) -> StatValue { return dram_of(r).row_misses; }},
    {"refreshes", "count", "refresh commands, all channels", [](const RunResult& r) -> StatValue { return dram_of(r).refreshes; }},
    {"burst_bytes", "bytes", "bytes the channels moved: whole bursts, so a transfer's partly used bursts count whole",
     [](const RunResult& r) -> StatValue { return dram_of(r).burst_bytes; }},
    {"burst_efficiency", "%", "bytes loaded and stored / burst_bytes",
     [](const RunResult& r) -> StatValue {
       return 100 * ratio(double(r.bytes_read + r.bytes_written), double(dram_of(r).burst_bytes));
     }},
    {"achieved_bandwidth", "GB/s", "bytes loaded and stored / simulated time",
     [](const RunResult& r) -> StatValue {
       return ratio(double(r.bytes_read + r.bytes_written) * double(r.clock_mhz), double(r.cycles) * 1000.0);
     }},
};

const Statistic<RunResult> kMulticastStatistics[] = {
    {"multicast_bytes", "bytes", "bytes multicast groups delivered beyond one copy each: loaded by cores, not read",
     [](const RunResult& r) -> StatValue { return r.multicast_bytes; }},
    {"bytes_loaded_by_cores", "bytes", "bytes the cores loaded: bytes_read + multicast_bytes",
     [](const RunResult& r) -> StatValue { return r.bytes_read + r.multicast_bytes; }},
};

}  // namespace

std::span<const Statistic<RunResult>> dram_statistics() { return kDramStatistics; }
std::span<const Statistic<RunResult>> multicast_statistics() { return kMulticastStatistics; }
std::span<const Statistic<RunResult>> run_statistics() { return kRunStatistics; }
std::span<const Statistic<CoreStats>> core_statistics() { return kCoreStatistics; }
std::span<const Statistic<LayerResult>> layer_statistics() { return kLayerStatistics; }
std::span<const Statistic<RunSet>> run_set_statistics() { return kRunSetStatistics; }

std::string format_value(const StatValue& value) {
  if (std::holds_alternative<std::monostate>(value)) return "-";
  if (const auto* v = std::get_if<std::uint64_t>(&value)) return std::to_string(*v);
  return fmt::format("{:.2f}", std::get<double>(value));
}

}  // namespace tetris::sim
