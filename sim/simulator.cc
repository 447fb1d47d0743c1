#include "sim/simulator.h"

#include <systemc>

#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "common/input_error.h"
#include "sim/core_module.h"
#include "sim/memory_module.h"
#include "sim/roofline.h"
#include "sim/sim_time.h"
#include "sim/sync_module.h"
#include "sim/sync_unit.h"

namespace tetris::sim {
namespace {

// A fresh SystemC simulation context for one elaboration, with 1 ns resolution (one cycle).
// The previous context is restored afterwards; modules must be destroyed before this is.
class FreshSimContext {
 public:
  FreshSimContext() : previous_(sc_core::sc_curr_simcontext), context_(new sc_core::sc_simcontext) {
    sc_core::sc_curr_simcontext = context_;
    sc_core::sc_default_global_context = context_;
    sc_core::sc_set_time_resolution(1, sc_core::SC_NS);
  }
  ~FreshSimContext() {
    delete context_;
    sc_core::sc_curr_simcontext = previous_;
    sc_core::sc_default_global_context = previous_;
  }
  FreshSimContext(const FreshSimContext&) = delete;
  FreshSimContext& operator=(const FreshSimContext&) = delete;

 private:
  sc_core::sc_simcontext* previous_;
  sc_core::sc_simcontext* context_;
};

// SystemC's own messages would mix into our output; errors still throw.
void quiet_systemc_reports() {
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
}

}  // namespace

Simulator::Simulator(const Program& program, const MachineConfig& config, const AddressMap& addresses,
                     Cycles quantum)
    : program_(program),
      config_(config),
      addresses_(addresses),
      timing_(config),
      quantum_(quantum),
      grid_(program, addresses),
      sync_(program, timing_),
      work_(layer_work(program, config.multicasts())) {
  if (program.cores > config.cores)
    throw InputError({config.source}, fmt::format("the trace has {} cores, the machine only {} (cores: {})",
                                                  program.cores, config.cores, config.cores));
  for (CoreId c = 0; c < program.cores; ++c) cores_.emplace_back(program, c, addresses, timing_, grid_);
}

RunResult Simulator::run(const Jitter& jitter, bool record_timeline) const {
  quiet_systemc_reports();
  const TimingModel& timing = timing_;
  SyncUnit sync_unit = sync_;
  AccessMonitor monitor(program_, grid_);
  RunResult result;
  result.seed = jitter.seed();
  {
    FreshSimContext context;
    MemoryModule memory("memory", program_.cores, timing, jitter, monitor, quantum_,
                        config_.dram_memory() ? std::optional<DramConfig>(config_.dram) : std::nullopt,
                        config_.core.clock_mhz, config_.multicasts() ? &program_.multicasts : nullptr);
    SyncModule sync("sync", sync_unit, program_.cores);
    std::vector<std::unique_ptr<CoreModule>> cores;
    for (CoreId c = 0; c < program_.cores; ++c) {
      cores.push_back(
          std::make_unique<CoreModule>(fmt::format("core{}", c).c_str(), c, cores_[c], jitter, record_timeline));
      cores.back()->socket.bind(memory.socket);
      cores.back()->sync.bind(sync);
      sync.attach(c, *cores.back());
      cores.back()->attach(memory);
    }
    if (record_timeline) memory.record_busy();
    sc_core::sc_start();

    // Cores run ahead of the kernel: the run ended at the latest of their own times.
    Cycles end = now_cycles();
    std::vector<const CoreModel*> models;
    for (const auto& core : cores) {
      models.push_back(&core->model());
      end = std::max(end, core->model().time());
    }
    result.deadlock = DeadlockDetector::check(program_, models, sync_unit, end);
    for (const CoreModel* model : models) result.cycles = std::max(result.cycles, model->stats().finish);
    if (result.deadlock) result.cycles = std::max(result.cycles, end);

    const std::vector<LayerWork>& work = work_;
    result.layers.resize(program_.layers.size());
    for (LayerId l = 0; l < program_.layers.size(); ++l) {
      LayerResult& layer = result.layers[l];
      layer.name = program_.layers[l].name;
      layer.macs = work[l].macs;
      layer.element_ops = work[l].element_ops;
      layer.bytes = work[l].bytes;
      layer.compulsory_bytes = work[l].compulsory_bytes;
      if (work[l].has_work()) {
        layer.roofline_cycles = roofline_cycles(work[l], config_);
        layer.compulsory_roofline_cycles = compulsory_roofline_cycles(work[l], config_);
      }
    }
    for (const CoreModel* model : models) {
      CoreStats stats = model->stats();
      stats.idle = result.cycles - std::min(result.cycles, stats.busy + stats.memory_stall + stats.sync_stall);
      result.instructions += stats.instructions;
      result.bytes_read += stats.bytes_read;
      result.bytes_written += stats.bytes_written;
      result.cores.push_back(stats);
      for (LayerId l = 0; l < program_.layers.size(); ++l) {
        const LayerSpan& span = model->layer_spans()[l];
        result.layers[l].first = std::min(result.layers[l].first, span.first);
        result.layers[l].last = std::max(result.layers[l].last, span.last);
      }
    }
    attribute_own_cycles(result.layers);
    // What the memory read: a multicast group's bytes once, though every member loaded them.
    result.bytes_read -= memory.multicast_bytes();
    result.multicast_bytes = memory.multicast_bytes();
    result.memory_busy_cycles = memory.busy_cycles();
    result.dram = memory.dram_stats();
    if (record_timeline) {
      for (const CoreModel* model : models) result.timeline.push_back(model->timeline());
      result.memory_busy = memory.busy_intervals();
    }
  }
  monitor.finish(result.cycles);
  result.bandwidth_bytes_per_cycle = config_.peak_bandwidth_bytes_per_cycle();
  result.clock_mhz = config_.core.clock_mhz;
  result.footprint_bytes = addresses_.activation_end();
  result.weight_bytes = addresses_.end() - addresses_.weight_begin();
  result.peak_live_bytes = monitor.peak_live_bytes();
  result.conflicts = monitor.conflicts();
  result.conflict_count = monitor.conflict_count();
  result.uninitialised_count = monitor.uninitialised_count();
  return result;
}

void attribute_own_cycles(std::span<LayerResult> layers) {
  // The union of the earlier layers' spans, as sorted disjoint intervals [begin, end).
  std::vector<std::pair<Cycles, Cycles>> covered;
  for (LayerResult& layer : layers) {
    layer.own_cycles = 0;
    if (layer.first == kNever || layer.last <= layer.first) continue;
    const Cycles begin = layer.first, end = layer.last;
    Cycles own = end - begin, merged_begin = begin, merged_end = end;
    const auto first = std::partition_point(covered.begin(), covered.end(),
                                            [&](const auto& interval) { return interval.second < begin; });
    auto it = first;
    for (; it != covered.end() && it->first <= end; ++it) {
      const Cycles lo = std::max(begin, it->first), hi = std::min(end, it->second);
      if (hi > lo) own -= hi - lo;
      merged_begin = std::min(merged_begin, it->first);
      merged_end = std::max(merged_end, it->second);
    }
    layer.own_cycles = own;
    covered.insert(covered.erase(first, it), {merged_begin, merged_end});
  }
}

}  // namespace tetris::sim
