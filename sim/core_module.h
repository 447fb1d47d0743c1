// One core as a SystemC module: a thin shell around CoreModel. One SC_METHOD, woken only when
// something happens for this core (a transfer completes, a compute ends, a sync is granted),
// never by a clock. Loads and stores go out on a TLM-2.0 initiator socket (base protocol,
// non-blocking); barriers and semaphores through a port to the sync unit.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "common/trace.h"
#include "sim/access_extension.h"
#include "sim/core_model.h"
#include "sim/sync_module.h"

namespace tetris::sim {

class CoreModule : public sc_core::sc_module, private CorePorts, public SyncListener {
 public:
  SC_HAS_PROCESS(CoreModule);
  tlm_utils::simple_initiator_socket<CoreModule> socket;
  sc_core::sc_port<SyncInterface> sync;

  CoreModule(sc_core::sc_module_name name, CoreId id, const Program& program, const AddressMap& addresses,
             const TimingModel& timing, const Jitter& jitter);
  ~CoreModule() override;

  const CoreModel& model() const { return model_; }
  void sync_granted(Cycles at) override;

 private:
  void step();
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& payload, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);

  // CorePorts
  void start_transfer(CoreId core, TransferKind kind, std::uint32_t index, Cycles now) override;
  void arrive_barrier(CoreId core, BarrierId id, Cycles now) override { sync->arrive_barrier(core, id, now); }
  void signal(CoreId core, SemaphoreId semaphore, Cycles now) override { sync->signal(core, semaphore, now); }
  void wait(CoreId core, SemaphoreId semaphore, Cycles now) override { sync->wait(core, semaphore, now); }

  const Program& program_;
  const AddressMap& addresses_;
  CoreModel model_;
  sc_core::sc_event wake_;
  bool stepping_ = false;
  // One request in flight per transfer unit: a payload and its extension each, reused.
  tlm::tlm_generic_payload payloads_[2];
  AccessExtension extensions_[2];
};

}  // namespace tetris::sim
