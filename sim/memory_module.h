// The shared memory as a SystemC module: a TLM-2.0 target (base protocol, non-blocking) that all
// cores' initiator sockets bind to, around a MemoryArbiter. Requests are accepted at once
// (END_REQ). One SC_METHOD, the controller, never ticks: no request can reach the memory sooner
// than `latency` cycles after it is issued, so at time t everything that completes up to
// t + latency is already decided. The controller settles that window in one go, answers each
// completed request with BEGIN_RESP annotated with the delay until its last beat. Every access
// goes to the AccessMonitor (the plan checker).
//
// A settled window also tells every core that none of its completions up to the window's end is
// still unknown, so the controller runs on, in passing, each core whose next event (a compute
// end it could not settle alone) lies inside it: cores need no timed wakes of their own. Then,
// while nothing can happen before some time t (no core acts, no completion comes), nothing can
// reach the memory before t + latency either: the controller settles on from there, within one
// quantum of the kernel's time (TLM-2.0 temporal decoupling), and sleeps until the next thing.
// Any quantum gives the same results; only the speed differs.
//
// A multicast load (memory.multicast: on) is held until every member of its group has issued
// it; then it is one request, issued at the last member's time, and its completion answers every
// member. Each member is still a read of its own for the checker.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <map>
#include <unordered_map>
#include <variant>
#include <vector>

#include "sim/access_extension.h"
#include "sim/access_monitor.h"
#include "sim/dram_controller.h"
#include "sim/jitter.h"
#include "sim/memory_arbiter.h"
#include "sim/timing_model.h"

namespace tetris::sim {

// A core, as the controller runs it on after settling a window.
class SettleListener {
 public:
  virtual ~SettleListener() = default;
  // No completion at or before `until` is unannounced; the kernel's time is `now`.
  virtual void settled(Cycles now, Cycles until) = 0;
};

class MemoryModule : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(MemoryModule);
  tlm_utils::multi_passthrough_target_socket<MemoryModule> socket;

  // Cores bind their sockets in core order: socket index == core id.
  // `quantum`: how far past the kernel's time the controller settles in one activation, in cycles.
  // `dram`: the memory is DRAM (memory.model: dram) with these parameters; none: the ideal bus.
  // `multicasts`: the program's multicast groups, read once each (none: the memory does not
  // multicast, and a multicast load is a plain one).
  MemoryModule(sc_core::sc_module_name name, std::size_t cores, const TimingModel& timing, const Jitter& jitter,
               AccessMonitor& monitor, Cycles quantum, const std::optional<DramConfig>& dram = std::nullopt,
               std::uint64_t clock_mhz = 1000,
               const std::map<MulticastId, std::vector<CoreId>>* multicasts = nullptr);

  // Cycles the memory's data bus moved data (averaged over DRAM channels).
  Cycles busy_cycles() const;
  const std::vector<std::pair<Cycles, Cycles>>& busy_intervals() const;
  void record_busy();
  // The DRAM's counts; none on the ideal bus.
  std::optional<DramStats> dram_stats() const;
  // Bytes multicast groups delivered beyond one copy each: what the cores loaded and the memory
  // did not read.
  std::uint64_t multicast_bytes() const { return multicast_bytes_; }

  // Core `core` is told of settled windows that reach the time it waits for, which it keeps in
  // the slot returned (kNever: it waits for nothing the memory settles).
  Cycles& attach(CoreId core, SettleListener& listener) {
    listeners_[core] = &listener;
    return waits_[core];
  }
  // Make sure the controller runs at `at` at the latest (a core's next event, a completion).
  void wake_for(Cycles at, Cycles now);

 private:
  void controller();
  void settle(Cycles until, Cycles now);  // announce every completion up to `until`
  Cycles earliest_event() const;  // the earliest a core acts or a completion comes (kNever: none)
  tlm::tlm_sync_enum nb_transport_fw(int id, tlm::tlm_generic_payload& payload, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);
  // Hands the request in flight under `tag`, issued at `issued`, to the bus or the DRAM.
  void issue(std::uint64_t tag, Cycles issued, Cycles kernel_now);
  void answer(std::uint64_t tag, Cycles at, Cycles now);  // its completion, to its core

  const TimingModel& timing_;
  std::vector<CoreJitter> jitter_;  // per core
  AccessMonitor& monitor_;
  std::variant<MemoryArbiter, DramController> memory_;
  struct InFlight {
    tlm::tlm_generic_payload* payload = nullptr;
    const AccessExtension* access = nullptr;
  };
  std::uint32_t depth_;              // requests in flight per transfer unit
  std::vector<InFlight> in_flight_;  // by tag: (2 x socket index + unit) x depth + slot
  std::vector<MemoryArbiter::Completion> done_;
  const std::map<MulticastId, std::vector<CoreId>>* multicasts_;
  struct Gathering {
    std::vector<std::uint64_t> tags;  // the members issued so far
    Cycles issued = 0;                // the latest of their issue times
  };
  std::unordered_map<MulticastId, Gathering> gathering_;  // groups some member has issued
  // The requests the memory serves for a group, by the tag it is served under: every member's tag.
  std::unordered_map<std::uint64_t, std::vector<std::uint64_t>> groups_;
  std::uint64_t multicast_bytes_ = 0;
  std::vector<SettleListener*> listeners_;  // per core
  std::vector<Cycles> waits_;               // per core: one array, scanned at every wake
  sc_core::sc_event wake_;
  Cycles horizon_;                // the minimum latency: how far ahead the controller settles
  Cycles quantum_;
  Cycles scheduled_at_ = kNever;  // when wake_ fires next (kNever: not scheduled)
  bool settling_ = false;         // in the controller, which schedules itself when done
};

}  // namespace tetris::sim
