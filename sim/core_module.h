// One core as a SystemC module: a thin shell around CoreModel. Requests leave at the core's own
// time, annotated as a TLM delay; a response (BEGIN_RESP) carries the delay to its completion and
// the core runs on at once from the backward call. A compute end the core could not settle alone
// is left to the memory controller, which runs the core on once it has settled past it
// (MemoryModule, SettleListener). One SC_METHOD covers the rest: the first run, and a sync grant;
// never a clock. Loads and stores go out on a TLM-2.0 initiator socket (base protocol,
// non-blocking); barriers and semaphores through a port to the sync unit.
#pragma once

#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "common/trace.h"
#include "sim/access_extension.h"
#include "sim/core_model.h"
#include "sim/memory_module.h"
#include "sim/sync_module.h"

namespace tetris::sim {

class CoreModule : public sc_core::sc_module, private CorePorts, public SyncListener, public SettleListener {
 public:
  SC_HAS_PROCESS(CoreModule);
  tlm_utils::simple_initiator_socket<CoreModule> socket;
  sc_core::sc_port<SyncInterface> sync;

  CoreModule(sc_core::sc_module_name name, CoreId id, const CoreProgram& core_program, const Jitter& jitter,
             bool record_timeline = false);
  ~CoreModule() override;

  const CoreModel& model() const { return model_; }
  void sync_granted(Cycles at) override;
  void settled(Cycles now, Cycles until) override;
  // The memory runs the core on at the times it asks for (see MemoryModule): done before the run.
  void attach(MemoryModule& memory) {
    memory_ = &memory;
    armed_at_ = &memory.attach(model_.id(), *this);
  }

 private:
  void step();
  std::optional<Cycles> run(Cycles now);  // advance the model; returns the wake it asks for
  void poke();           // run step() in the next delta cycle
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& payload, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);

  // CorePorts
  void start_transfer(CoreId core, TransferKind kind, std::uint32_t slot, const CoreProgram::Transfer& transfer,
                      Cycles now) override;
  void arrive_barrier(CoreId core, BarrierId id, Cycles now) override { sync->arrive_barrier(core, id, now); }
  void signal(CoreId core, SemaphoreId semaphore, Cycles now) override { sync->signal(core, semaphore, now); }
  void wait(CoreId core, SemaphoreId semaphore, Cycles now) override { sync->wait(core, semaphore, now); }

  CoreModel model_;
  const CoreProgram& program_;
  sc_core::sc_event wake_;
  bool stepping_ = false;
  bool poked_ = false;
  MemoryModule* memory_ = nullptr;
  Cycles* armed_at_ = nullptr;  // when the core next needs to run, as far as it knows (kNever: not)
  // A payload and its extension per request slot of each transfer unit (loads first), reused.
  std::uint32_t depth_;
  std::vector<tlm::tlm_generic_payload> payloads_;
  std::vector<AccessExtension> extensions_;
};

}  // namespace tetris::sim
