// The decisions of one Cambricon-X core: in-order issue into decoupled load, compute and store
// units, as the core overlaps its NBin/SB and NBout DMAs with the PE array.
//
// Each unit runs its own instructions in program order, one at a time; a sync instruction
// (barrier, signal, wait) is a fence. An instruction starts as soon as its unit is free and:
// A load or store unit keeps up to `requests_in_flight` requests outstanding (memory.
// requests_in_flight: 4 in the shipped configs, 1 in a config without the key, where a unit issues
// its next transfer once the last completed).
// They may complete out of order; a unit retires them in order, and "completed" above means
// retired.
//   load k-th tile     - every sync before it has completed; compute k-2 has finished (NBin and
//                        SB are double-buffered: a tile loads while the previous one computes);
//                        no earlier store to overlapping addresses is outstanding, and at most
//                        kStoreQueueDepth earlier stores are (a finite store queue);
//   compute k          - every earlier load has completed (its operands are on chip), every
//                        store before compute k-1 has completed (NBout is double-buffered), and
//                        every earlier sync has;
//   store              - every earlier load and compute has completed (the data is in NBout, and
//                        memory is never written before an earlier read of it);
//   barrier/signal/wait- everything before it has completed; everything after it waits for it.
// "Tile k" of a load is the number of computes before it. Loads and stores take the time the
// shared memory gives them; computes take TimingModel::compute_cycles (plus jitter).
//
// Run-ahead: a core keeps its own time, which may be ahead of the kernel's. It handles its events
// in time order as soon as nothing unknown can come before them: a transfer completion the memory
// has announced is final (the memory announces completions in time order, so any unannounced one
// comes later), a compute end is final once no transfer is still unannounced or it is no later
// than an announced one, and a sync release comes while nothing else is in flight. Otherwise the
// core waits for the kernel. Requests carry their issue time; decisions depend only on times, so
// running ahead changes nothing but speed.
//
// The SystemC shell (CoreModule) calls advance() whenever something arrives for this core.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/trace.h"
#include "sim/address_grid.h"
#include "sim/address_map.h"
#include "sim/jitter.h"
#include "sim/sim_types.h"
#include "sim/timing_model.h"

namespace tetris::sim {

// Where a core's cycles went. busy + memory_stall + sync_stall + idle = total cycles.
struct CoreStats {
  Cycles busy = 0;          // the compute unit is computing
  Cycles memory_stall = 0;  // not computing, a load or store is in flight
  Cycles sync_stall = 0;    // not computing, nothing in flight, waiting at a barrier or semaphore
  Cycles idle = 0;          // finished its stream
  Cycles finish = 0;        // when its last instruction completed
  std::uint64_t instructions = 0;
  std::uint64_t bytes_read = 0;
  std::uint64_t bytes_written = 0;
};

struct LayerSpan {
  Cycles first = kNever;  // earliest start of one of its loads, computes or stores
  Cycles last = 0;        // latest completion of one
};

// A core's stream as its units see it: built once per program and plan, shared by every run.
// Each unit reads its own instructions in order from a dense array of records holding all a run
// needs about them (what they wait for, their layer and size), so the records stream through
// the cache instead of being fetched one miss at a time from a table per instruction.
class CoreProgram {
 public:
  static constexpr std::uint32_t kNoLayer = 0xffffffff;

  struct alignas(64) Transfer {  // a load or a store: one cache line
    std::uint32_t index;  // in the stream
    std::uint32_t layer;  // kNoLayer: none
    // How many instructions of each kind precede it in program order.
    std::uint32_t syncs_before, loads_before, computes_before, stores_before;
    std::uint64_t bytes;
    std::uint64_t hull_begin, hull_end;  // its address hull
    TensorId tensor;
    std::uint32_t first_span, end_span;  // its AddressGrid spans
    // A 2-D range's row length (its rows are evenly spaced over the hull); 0: contiguous.
    std::uint32_t row_bytes;
  };
  static_assert(sizeof(Transfer) == 64);
  struct Compute {
    std::uint32_t index, layer;
    std::uint32_t syncs_before, loads_before;
    std::uint32_t stores_needed;  // the stores before the previous compute (NBout is double-buffered)
    Cycles cycles;                // without jitter
  };
  struct Sync {
    enum class Kind : std::uint8_t { barrier, signal, wait };
    std::uint32_t index;
    std::uint32_t loads_before, computes_before, stores_before;
    Kind kind;
    std::uint32_t id;  // the barrier or semaphore
  };

  CoreProgram(const Program& program, CoreId core, const AddressMap& addresses, const TimingModel& timing,
              const AddressGrid& grid);

  const std::vector<Instruction>& stream;
  std::size_t layer_count;
  std::uint32_t requests_in_flight = 1;  // per transfer unit
  std::vector<Transfer> loads, stores;  // per unit, in program order
  // Per load, its multicast group, when the memory multicasts and the program has groups (else
  // empty: every load is plain). Beside `loads`, which keep one cache line each.
  std::vector<std::optional<MulticastId>> load_multicasts;
  std::vector<Compute> computes;
  std::vector<Sync> syncs;
};

// What a core asks of the outside world. Sync requests are answered through
// CoreModel::sync_granted, possibly before the call returns.
class CorePorts {
 public:
  virtual ~CorePorts() = default;
  // `slot` (< requests_in_flight) names the request among the unit's outstanding ones; the
  // completion comes back through CoreModel::transfer_done with it.
  virtual void start_transfer(CoreId core, TransferKind kind, std::uint32_t slot, const CoreProgram::Transfer& transfer,
                              Cycles now) = 0;
  virtual void arrive_barrier(CoreId core, BarrierId id, Cycles now) = 0;
  virtual void signal(CoreId core, SemaphoreId semaphore, Cycles now) = 0;
  virtual void wait(CoreId core, SemaphoreId semaphore, Cycles now) = 0;
};

class CoreModel {
 public:
  static constexpr std::uint32_t kStoreQueueDepth = 16;

  CoreModel(CoreId id, const CoreProgram& program, const Jitter& jitter);

  // Runs the core as far as it safely can; the kernel's time is `now`. Returns the cycle at which
  // the kernel must call again (a compute end that is not yet safe), or nothing when the core
  // waits for an announcement or a sync grant (or has finished).
  std::optional<Cycles> advance(Cycles now, CorePorts& ports);
  // The memory announces that this core's load or store in `slot` completes at cycle `at`.
  void transfer_done(TransferKind kind, std::uint32_t slot, Cycles at) {
    (kind == TransferKind::load ? load_unit_ : store_unit_).done_at[slot] = at;
    safe_until_ = std::max(safe_until_, at);
  }
  // No completion of this core's transfers at or before `until` is still unannounced.
  void settled(Cycles until) { safe_until_ = std::max(safe_until_, until); }
  // The sync instruction in progress may complete at `at`.
  void sync_granted(Cycles at) { sync_release_ = at; }

  bool finished() const;
  CoreId id() const { return id_; }
  Cycles time() const { return time_; }  // the core's own time
  const CoreStats& stats() const { return stats_; }
  const std::vector<LayerSpan>& layer_spans() const { return layer_spans_; }
  // The instruction the core is stuck at: the sync in progress, or the first unfinished one.
  std::uint32_t position() const;
  bool blocked_in_sync() const { return sync_active_ && sync_release_ == kNever; }
  // Keeps every instruction's start and completion (TimelineEvent) from now on; off by default,
  // as it costs memory per instruction.
  void record_timeline() { recording_ = true; }
  const std::vector<TimelineEvent>& timeline() const { return timeline_; }

 private:
  bool load_ready(const CoreProgram::Transfer& load) const;
  bool compute_ready(const CoreProgram::Compute& compute) const;
  bool store_ready(const CoreProgram::Transfer& store) const;
  bool sync_ready(const CoreProgram::Sync& sync) const;
  void start_sync(const CoreProgram::Sync& sync, Cycles now, CorePorts& ports);
  void step(Cycles now, CorePorts& ports);  // retire what is due at `now`, start what can start
  void account(Cycles now);
  void begin(std::uint32_t layer, Cycles now);
  void end(std::uint32_t layer, Cycles now);

  CoreId id_;
  const std::vector<Instruction>& stream_;
  std::span<const CoreProgram::Transfer> loads_, stores_;
  std::span<const CoreProgram::Compute> computes_;
  std::span<const CoreProgram::Sync> syncs_;
  CoreJitter jitter_;

  Cycles time_ = 0;        // the core's own time
  Cycles safe_until_ = 0;  // no unannounced completion comes at or before this

  // Progress: instructions started (next_*) and completed (*_done) per unit, in order.
  std::uint32_t next_load_ = 0, next_compute_ = 0, next_store_ = 0, next_sync_ = 0;
  std::uint32_t loads_done_ = 0, computes_done_ = 0, stores_done_ = 0, syncs_done_ = 0;
  // A transfer unit's requests in flight, by slot (sequence number modulo the depth): announced
  // completions (kNever: not yet) and start times. In flight: [done, next) of its sequence.
  struct UnitQueue {
    std::vector<Cycles> done_at, started;
    explicit UnitQueue(std::uint32_t depth) : done_at(depth, kNever), started(depth, 0) {}
  };
  std::uint32_t depth_;
  UnitQueue load_unit_, store_unit_;
  bool loads_in_flight() const { return next_load_ > loads_done_; }
  bool stores_in_flight() const { return next_store_ > stores_done_; }
  // Cycles of the first outstanding request's announced completion (kNever: none, or unannounced).
  Cycles head_done(const UnitQueue& unit, std::uint32_t done, std::uint32_t next) const {
    return next > done ? unit.done_at[done % depth_] : kNever;
  }
  bool any_unannounced(const UnitQueue& unit, std::uint32_t done, std::uint32_t next) const {
    for (std::uint32_t i = done; i < next; ++i)
      if (unit.done_at[i % depth_] == kNever) return true;
    return false;
  }
  // Retires the unit's requests completed by `now`, in order from `done`.
  void retire(UnitQueue& unit, std::uint32_t& done, std::uint32_t next, std::span<const CoreProgram::Transfer> records,
              TimelineEvent::Unit kind, Cycles now);
  Cycles compute_end_ = kNever;                          // kNever: the compute unit is idle
  bool sync_active_ = false;
  Cycles sync_release_ = kNever;

  Cycles accounted_until_ = 0;
  CoreStats stats_;
  std::vector<LayerSpan> layer_spans_;
  bool recording_ = false;
  Cycles compute_start_ = 0, sync_start_ = 0;
  std::vector<TimelineEvent> timeline_;
};

}  // namespace tetris::sim
