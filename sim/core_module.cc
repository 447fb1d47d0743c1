#include "sim/core_module.h"

#include "sim/sim_time.h"

namespace tetris::sim {

CoreModule::CoreModule(sc_core::sc_module_name name, CoreId id, const Program& program,
                       const AddressMap& addresses, const TimingModel& timing, const Jitter& jitter)
    : sc_core::sc_module(name),
      socket("socket"),
      sync("sync"),
      program_(program),
      addresses_(addresses),
      model_(id, program, addresses, timing, jitter) {
  socket.register_nb_transport_bw(this, &CoreModule::nb_transport_bw);
  for (int unit = 0; unit < 2; ++unit) {
    payloads_[unit].set_extension(&extensions_[unit]);
    payloads_[unit].set_streaming_width(0);
    payloads_[unit].set_byte_enable_ptr(nullptr);
    payloads_[unit].set_data_ptr(nullptr);  // timing only: no data moves
  }
  SC_METHOD(step);
}

CoreModule::~CoreModule() {
  for (auto& payload : payloads_) payload.clear_extension<AccessExtension>();
}

void CoreModule::step() {
  const Cycles now = now_cycles();
  stepping_ = true;
  const auto next = model_.advance(now, *this);
  stepping_ = false;
  if (next) {
    next_trigger(cycles_to_time(*next - now), wake_);
  } else if (!model_.finished()) {
    next_trigger(wake_);
  }
}

void CoreModule::sync_granted(Cycles at) {
  model_.sync_granted(at);
  // A grant during our own step is seen by the running advance(); others need a wake-up.
  if (!stepping_) {
    const Cycles now = now_cycles();
    wake_.notify(cycles_to_time(at > now ? at - now : 0));
  }
}

void CoreModule::start_transfer(CoreId core, TransferKind kind, std::uint32_t index, Cycles now) {
  const int unit = kind == TransferKind::load ? 0 : 1;
  const Instruction& instruction = program_.streams[core][index];
  AccessExtension& ext = extensions_[unit];
  ext.core = core;
  ext.kind = kind;
  ext.index = index;
  ext.line = instruction.line;
  ext.issued = now;
  if (kind == TransferKind::load) {
    const Load& load = std::get<Load>(instruction.op);
    ext.tensor = load.tensor;
    ext.range = load.range;
  } else {
    const Store& store = std::get<Store>(instruction.op);
    ext.tensor = store.tensor;
    ext.range = store.range;
  }
  tlm::tlm_generic_payload& payload = payloads_[unit];
  payload.set_command(kind == TransferKind::load ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
  payload.set_address(addresses_.base(ext.tensor) + ext.range.offset);
  payload.set_data_length(static_cast<unsigned int>(std::min<std::uint64_t>(ext.range.bytes(), UINT32_MAX)));
  payload.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  tlm::tlm_phase phase = tlm::BEGIN_REQ;
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  socket->nb_transport_fw(payload, phase, delay);  // the memory accepts at once (END_REQ)
}

tlm::tlm_sync_enum CoreModule::nb_transport_bw(tlm::tlm_generic_payload& payload, tlm::tlm_phase& phase,
                                               sc_core::sc_time&) {
  if (phase == tlm::BEGIN_RESP) {
    model_.transfer_done(payload.get_extension<AccessExtension>()->kind);
    wake_.notify(sc_core::SC_ZERO_TIME);
    phase = tlm::END_RESP;
  }
  return tlm::TLM_COMPLETED;
}

}  // namespace tetris::sim
