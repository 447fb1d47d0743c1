#include "sim/core_module.h"

#include <algorithm>

#include "sim/sim_time.h"

namespace tetris::sim {

CoreModule::CoreModule(sc_core::sc_module_name name, CoreId id, const CoreProgram& core_program,
                       const Jitter& jitter, bool record_timeline)
    : sc_core::sc_module(name),
      socket("socket"),
      sync("sync"),
      model_(id, core_program, jitter),
      program_(core_program),
      depth_(std::max<std::uint32_t>(1, core_program.requests_in_flight)),
      payloads_(2 * depth_),
      extensions_(2 * depth_) {
  if (record_timeline) model_.record_timeline();
  socket.register_nb_transport_bw(this, &CoreModule::nb_transport_bw);
  for (std::size_t i = 0; i < payloads_.size(); ++i) {
    payloads_[i].set_extension(&extensions_[i]);
    payloads_[i].set_streaming_width(0);
    payloads_[i].set_byte_enable_ptr(nullptr);
    payloads_[i].set_data_ptr(nullptr);  // timing only: no data moves
  }
  // Only sync grants notify wake_ (in the next delta cycle): the memory controller runs the core
  // at the times it asks for, so the kernel keeps one timed event for all cores.
  SC_METHOD(step);
  sensitive << wake_;
}

CoreModule::~CoreModule() {
  for (auto& payload : payloads_) payload.clear_extension<AccessExtension>();
}

void CoreModule::step() {
  const Cycles now = now_cycles();
  poked_ = false;
  const auto next = run(now);
  *armed_at_ = next.value_or(kNever);
  if (next) memory_->wake_for(*next, now);
}

std::optional<Cycles> CoreModule::run(Cycles now) {
  stepping_ = true;
  const auto next = model_.advance(now, *this);
  stepping_ = false;
  return next;
}

void CoreModule::poke() {
  // During our own step, the running advance() sees what arrived.
  if (stepping_ || poked_) return;
  poked_ = true;
  wake_.notify(sc_core::SC_ZERO_TIME);
}

void CoreModule::sync_granted(Cycles at) {
  model_.sync_granted(at);
  // From outside a run of this core: it acts at `at` at the earliest, which the memory must see.
  // (During a run, the run itself sees the grant and its caller re-arms.)
  if (!stepping_) *armed_at_ = std::min(*armed_at_, at);
  poke();
}

void CoreModule::settled(Cycles now, Cycles until) {
  model_.settled(until);
  *armed_at_ = run(now).value_or(kNever);
}

void CoreModule::start_transfer(CoreId core, TransferKind kind, std::uint32_t slot, const CoreProgram::Transfer& entry,
                                Cycles now) {
  const std::size_t at = (kind == TransferKind::load ? 0 : depth_) + slot;
  AccessExtension& ext = extensions_[at];
  ext.core = core;
  ext.kind = kind;
  ext.slot = slot;
  ext.index = entry.index;
  ext.bytes = entry.bytes;
  ext.row_bytes = entry.row_bytes;
  ext.issued = now;
  ext.tensor = entry.tensor;
  ext.first_span = entry.first_span;
  ext.end_span = entry.end_span;
  ext.multicast.reset();
  if (kind == TransferKind::load && !program_.load_multicasts.empty())
    ext.multicast = program_.load_multicasts[static_cast<std::size_t>(&entry - program_.loads.data())];
  const std::uint64_t begin = entry.hull_begin, end = entry.hull_end;
  tlm::tlm_generic_payload& payload = payloads_[at];
  payload.set_command(kind == TransferKind::load ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
  payload.set_address(begin);
  payload.set_data_length(static_cast<unsigned int>(std::min<std::uint64_t>(end - begin, UINT32_MAX)));
  payload.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  tlm::tlm_phase phase = tlm::BEGIN_REQ;
  sc_core::sc_time delay = cycles_to_time(now - now_cycles());  // `now` is the core's own time
  socket->nb_transport_fw(payload, phase, delay);  // the memory accepts at once (END_REQ)
}

tlm::tlm_sync_enum CoreModule::nb_transport_bw(tlm::tlm_generic_payload& payload, tlm::tlm_phase& phase,
                                               sc_core::sc_time& delay) {
  if (phase == tlm::BEGIN_RESP) {
    const Cycles now = now_cycles();
    const auto at = static_cast<std::size_t>(&payload - payloads_.data());
    model_.transfer_done(at < depth_ ? TransferKind::load : TransferKind::store, static_cast<std::uint32_t>(at % depth_),
                         now + delay.value());
    // Run on at once. This is inside the memory controller, which then sees the new wake time.
    *armed_at_ = run(now).value_or(kNever);
    phase = tlm::END_RESP;
  }
  return tlm::TLM_COMPLETED;
}

}  // namespace tetris::sim
