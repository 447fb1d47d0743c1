// Runs a program on the SystemC model: N cores, one shared memory, one sync unit.
//
// Every run elaborates a fresh model in a fresh SystemC simulation context, so one process can
// simulate many times (`--runs`, tests). Nothing ticks per cycle: sc_start() returns when no
// event is left, and a core that has not finished then is deadlocked.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/machine_config.h"
#include "common/trace.h"
#include "sim/access_monitor.h"
#include "sim/address_grid.h"
#include "sim/address_map.h"
#include "sim/core_model.h"
#include "sim/deadlock_detector.h"
#include "sim/dram_controller.h"
#include "sim/jitter.h"
#include "sim/roofline.h"
#include "sim/sync_unit.h"

namespace tetris::sim {

struct LayerResult {
  std::string name;
  Cycles first = kNever;  // kNever: the layer has no loads, computes or stores
  Cycles last = 0;
  std::uint64_t macs = 0;
  std::uint64_t element_ops = 0;
  std::uint64_t bytes = 0;
  std::uint64_t compulsory_bytes = 0;  // distinct bytes read + distinct bytes written
  // None for a layer without loads, computes or stores (a view).
  std::optional<double> roofline_cycles{};
  std::optional<double> compulsory_roofline_cycles{};

  // Of its span, the cycles in which no earlier layer was in progress: spans overlap (a core's
  // units run ahead into the next layer; under p2p cores work on different layers), own cycles
  // do not, and the layers' own cycles add up to at most the run's.
  Cycles own_cycles = 0;

  Cycles cycles() const { return first == kNever ? 0 : last - first; }
};

// Sets every layer's own_cycles from the spans (layers in program order).
void attribute_own_cycles(std::span<LayerResult> layers);

struct RunResult {
  std::optional<std::uint64_t> seed;  // the jitter seed; none: exact timing
  Cycles cycles = 0;                  // when the last core finished (or, deadlocked, the last event)
  std::uint64_t instructions = 0;
  std::uint64_t bytes_read = 0;  // by the memory: a multicast group's bytes count once
  std::uint64_t multicast_bytes = 0;  // bytes multicast groups delivered beyond one copy each
  std::uint64_t bytes_written = 0;
  Cycles memory_busy_cycles = 0;  // cycles the bus moved a beat (DRAM: averaged over the channels)
  std::uint64_t bandwidth_bytes_per_cycle = 0;  // the memory's peak
  std::optional<DramStats> dram;  // memory.model: dram

  std::uint64_t clock_mhz = 0;
  std::uint64_t footprint_bytes = 0;  // one past the highest planned address
  std::uint64_t weight_bytes = 0;     // the weight region
  std::uint64_t peak_live_bytes = 0;
  std::vector<CoreStats> cores;
  std::vector<LayerResult> layers;
  std::vector<Conflict> conflicts;  // the first AccessMonitor::kMaxConflictsKept
  std::uint64_t conflict_count = 0;
  std::uint64_t uninitialised_count = 0;
  std::optional<DeadlockReport> deadlock;
  // Per core, every instruction's start and completion: only when the run was asked to record.
  std::vector<std::vector<TimelineEvent>> timeline;
  std::vector<std::pair<Cycles, Cycles>> memory_busy;  // the bus's busy intervals, with the timeline
};

class Simulator {
 public:
  // How far past the kernel's time the memory controller may settle in one activation, in
  // cycles (TLM-2.0 temporal decoupling, see MemoryModule). Any quantum gives the same results.
  static constexpr Cycles kDefaultQuantum = 10000;

  // The program must be valid (validate_program) and have no more cores than the config;
  // `addresses` must outlive the simulator.
  Simulator(const Program& program, const MachineConfig& config, const AddressMap& addresses,
            Cycles quantum = kDefaultQuantum);

  // `record_timeline`: keep every instruction's start and end in RunResult::timeline.
  RunResult run(const Jitter& jitter = Jitter(), bool record_timeline = false) const;

 private:
  const Program& program_;
  const MachineConfig& config_;
  const AddressMap& addresses_;
  TimingModel timing_;
  Cycles quantum_;
  // Built once, shared by every run:
  AddressGrid grid_;
  std::vector<CoreProgram> cores_;
  SyncUnit sync_;  // copied at the start of each run
  std::vector<LayerWork> work_;
};

}  // namespace tetris::sim
