// The decisions of one Cambricon-X core: in-order issue into decoupled load, compute and store
// units, as the core overlaps its NBin/SB and NBout DMAs with the PE array.
//
// Each unit runs its own instructions in program order, one at a time; a sync instruction
// (barrier, signal, wait) is a fence. An instruction starts as soon as its unit is free and:
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
// The SystemC shell (CoreModule) calls advance() whenever time moves on for this core.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/trace.h"
#include "sim/address_map.h"
#include "sim/jitter.h"
#include "sim/sim_types.h"
#include "sim/timing_model.h"

namespace tetris::sim {

// What a core asks of the outside world. Sync requests are answered through
// CoreModel::sync_granted, possibly before the call returns.
class CorePorts {
 public:
  virtual ~CorePorts() = default;
  virtual void start_transfer(CoreId core, TransferKind kind, std::uint32_t index, Cycles now) = 0;
  virtual void arrive_barrier(CoreId core, BarrierId id, Cycles now) = 0;
  virtual void signal(CoreId core, SemaphoreId semaphore, Cycles now) = 0;
  virtual void wait(CoreId core, SemaphoreId semaphore, Cycles now) = 0;
};

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

class CoreModel {
 public:
  static constexpr std::uint32_t kStoreQueueDepth = 16;

  CoreModel(CoreId id, const Program& program, const AddressMap& addresses, const TimingModel& timing,
            const Jitter& jitter);

  // Retires what has finished by `now` and starts everything that can start at `now`.
  // Returns the next cycle at which this core finishes something on its own (a compute or a
  // sync release), if any; transfers end through transfer_done().
  std::optional<Cycles> advance(Cycles now, CorePorts& ports);
  // The memory finished this core's load or store at `now`; call advance(now) next.
  void transfer_done(TransferKind kind);
  // The sync instruction in progress may complete at `at`.
  void sync_granted(Cycles at) { sync_release_ = at; }

  bool finished() const;
  CoreId id() const { return id_; }
  const CoreStats& stats() const { return stats_; }
  const std::vector<LayerSpan>& layer_spans() const { return layer_spans_; }
  // The instruction the core is stuck at: the sync in progress, or the first unfinished one.
  std::uint32_t position() const;
  bool blocked_in_sync() const { return sync_active_ && sync_release_ == kNever; }

 private:
  enum class Kind : std::uint8_t { load, compute, store, sync };
  // Per instruction: how many instructions of each kind precede it in program order.
  struct Before {
    std::uint32_t loads, computes, stores, syncs;
  };

  bool load_ready(std::uint32_t index) const;
  bool compute_ready(std::uint32_t index) const;
  bool store_ready(std::uint32_t index) const;
  bool sync_ready(std::uint32_t index) const;
  void start_sync(std::uint32_t index, Cycles now, CorePorts& ports);
  void account(Cycles now);
  void begin(std::uint32_t index, Cycles now);
  void end(std::uint32_t index, Cycles now);
  std::pair<std::uint64_t, std::uint64_t> hull(std::uint32_t index) const;  // address range

  CoreId id_;
  const std::vector<Instruction>& stream_;
  const AddressMap& addresses_;
  const TimingModel& timing_;
  const Jitter& jitter_;

  std::vector<Before> before_;
  std::vector<std::uint32_t> loads_, computes_, stores_, syncs_;  // instruction indices per unit

  // Progress: instructions started (next_*) and completed (*_done) per unit, in order.
  std::uint32_t next_load_ = 0, next_compute_ = 0, next_store_ = 0, next_sync_ = 0;
  std::uint32_t loads_done_ = 0, computes_done_ = 0, stores_done_ = 0, syncs_done_ = 0;
  bool load_busy_ = false, store_busy_ = false;
  bool load_finished_ = false, store_finished_ = false;  // reported, not yet retired
  Cycles compute_end_ = kNever;                          // kNever: the compute unit is idle
  bool sync_active_ = false;
  Cycles sync_release_ = kNever;

  Cycles accounted_until_ = 0;
  CoreStats stats_;
  std::vector<LayerSpan> layer_spans_;
};

}  // namespace tetris::sim
