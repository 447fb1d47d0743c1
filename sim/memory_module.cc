#include "sim/memory_module.h"

#include "sim/access_extension.h"
#include "sim/sim_time.h"

namespace tetris::sim {

MemoryModule::MemoryModule(sc_core::sc_module_name name, std::size_t cores, const TimingModel& timing,
                           const Jitter& jitter, AccessMonitor& monitor)
    : sc_core::sc_module(name),
      socket("socket"),
      timing_(timing),
      jitter_(jitter),
      monitor_(monitor),
      in_flight_(2 * cores, nullptr),
      horizon_(timing.memory_latency()) {
  socket.register_nb_transport_fw(this, &MemoryModule::nb_transport_fw);
  SC_METHOD(controller);
  sensitive << wake_;
  dont_initialize();
}

tlm::tlm_sync_enum MemoryModule::nb_transport_fw(int id, tlm::tlm_generic_payload& payload, tlm::tlm_phase& phase,
                                                 sc_core::sc_time& delay) {
  if (phase != tlm::BEGIN_REQ) return tlm::TLM_ACCEPTED;  // END_RESP: nothing left to do
  const Cycles kernel_now = now_cycles();
  const Cycles now = kernel_now + delay.value();  // the issuing core's own time
  const AccessExtension& ext = *payload.get_extension<AccessExtension>();
  const std::uint64_t tag = 2 * static_cast<std::uint64_t>(id) + (ext.kind == TransferKind::load ? 0 : 1);
  in_flight_[tag] = &payload;
  const Cycles latency = timing_.memory_latency() +
                         jitter_.extra(timing_.memory_latency(), ext.core, ext.index, JitterTarget::memory_latency);
  arbiter_.add(tag, tag, now + latency, timing_.beats(ext.range.bytes()));
  if (ext.kind == TransferKind::store)
    monitor_.record({now, now, ext.core, ext.index, true}, kernel_now);
  wake_for(now + latency, kernel_now);  // the only new event is this arrival
  phase = tlm::END_REQ;
  return tlm::TLM_UPDATED;
}

void MemoryModule::controller() {
  const Cycles now = now_cycles();
  scheduled_at_ = kNever;
  done_.clear();
  arbiter_.advance(now + horizon_, done_);
  for (const MemoryArbiter::Completion& completion : done_) {
    tlm::tlm_generic_payload& payload = *in_flight_[completion.tag];
    in_flight_[completion.tag] = nullptr;
    const AccessExtension& ext = *payload.get_extension<AccessExtension>();
    if (ext.kind == TransferKind::load)
      monitor_.record({completion.at, ext.issued, ext.core, ext.index, false}, now);
    payload.set_response_status(tlm::TLM_OK_RESPONSE);
    tlm::tlm_phase phase = tlm::BEGIN_RESP;
    sc_core::sc_time delay = cycles_to_time(completion.at - now);
    socket[static_cast<int>(completion.tag / 2)]->nb_transport_bw(payload, phase, delay);
  }
  schedule(now);
}

void MemoryModule::schedule(Cycles now) {
  if (const auto next = arbiter_.next_event()) wake_for(*next, now);
}

void MemoryModule::wake_for(Cycles event, Cycles now) {
  // An event at cycle e is settled by a wake at e - horizon; one exactly at the window's end
  // (an arrival not admitted yet) by the next cycle's.
  const Cycles wake = event > now + horizon_ ? event - horizon_ : now + 1;
  if (wake >= scheduled_at_) return;
  scheduled_at_ = wake;
  wake_.cancel();
  wake_.notify(cycles_to_time(wake - now));
}

}  // namespace tetris::sim
