#include "sim/memory_module.h"

#include <algorithm>

#include "sim/access_extension.h"
#include "sim/sim_time.h"

namespace tetris::sim {

MemoryModule::MemoryModule(sc_core::sc_module_name name, std::size_t cores, const TimingModel& timing,
                           const Jitter& jitter, AccessMonitor& monitor, Cycles quantum,
                           const std::optional<DramConfig>& dram, std::uint64_t clock_mhz,
                           const std::map<MulticastId, std::vector<CoreId>>* multicasts)
    : sc_core::sc_module(name),
      socket("socket"),
      timing_(timing),
      monitor_(monitor),
      memory_(dram ? std::variant<MemoryArbiter, DramController>(std::in_place_type<DramController>, *dram, clock_mhz)
                   : std::variant<MemoryArbiter, DramController>()),
      depth_(timing.requests_in_flight()),
      in_flight_(2 * cores * depth_),
      multicasts_(multicasts),
      listeners_(cores, nullptr),
      waits_(cores, kNever),
      horizon_(timing.memory_latency()),
      quantum_(quantum) {
  for (CoreId c = 0; c < cores; ++c) jitter_.emplace_back(jitter, c);
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
  // Unique among requests in flight, and the arbiter's order for simultaneous arrivals: core, then
  // unit (loads first), then slot.
  const std::uint64_t tag =
      (2 * static_cast<std::uint64_t>(id) + (ext.kind == TransferKind::load ? 0 : 1)) * depth_ + ext.slot;
  in_flight_[tag] = {&payload, &ext};
  if (ext.kind == TransferKind::store)
    monitor_.record({now, now, ext.core, ext.index, ext.tensor, ext.first_span, ext.end_span, true}, kernel_now);
  if (ext.multicast && multicasts_) {
    Gathering& group = gathering_[*ext.multicast];
    group.tags.push_back(tag);
    group.issued = std::max(group.issued, now);
    if (group.tags.size() == multicasts_->at(*ext.multicast).size()) {
      // Served under the least tag: the arbiter's order does not depend on who came last.
      std::sort(group.tags.begin(), group.tags.end());
      const std::uint64_t leader = group.tags.front();
      const Cycles issued = group.issued;
      multicast_bytes_ += (group.tags.size() - 1) * ext.bytes;
      groups_[leader] = std::move(group.tags);
      gathering_.erase(*ext.multicast);
      issue(leader, issued, kernel_now);
    }
  } else {
    issue(tag, now, kernel_now);
  }
  phase = tlm::END_REQ;
  return tlm::TLM_UPDATED;
}

void MemoryModule::issue(std::uint64_t tag, Cycles now, Cycles kernel_now) {
  const tlm::tlm_generic_payload& payload = *in_flight_[tag].payload;
  const AccessExtension& ext = *in_flight_[tag].access;
  const Cycles latency = timing_.memory_latency() +
                         jitter_[ext.core].extra(timing_.memory_latency(), ext.index, JitterTarget::memory_latency);
  Cycles earliest;  // its completion, at the earliest
  if (auto* arbiter = std::get_if<MemoryArbiter>(&memory_)) {
    const Cycles beats = timing_.beats(ext.bytes);
    arbiter->add(tag, tag, now + latency, beats);
    earliest = now + latency + beats;
  } else {
    auto& dram = std::get<DramController>(memory_);
    DramAccess access;
    access.address = payload.get_address();
    access.write = ext.kind == TransferKind::store;
    if (ext.row_bytes == 0 || ext.bytes <= ext.row_bytes) {
      access.row_bytes = access.row_stride = ext.bytes;
    } else {
      access.rows = ext.bytes / ext.row_bytes;
      access.row_bytes = ext.row_bytes;
      access.row_stride = (payload.get_data_length() - ext.row_bytes) / (access.rows - 1);
    }
    dram.add(tag, tag, now + latency, access);
    earliest = dram.earliest_completion(now + latency);
  }
  wake_for(earliest, kernel_now);
}

void MemoryModule::controller() {
  const Cycles now = now_cycles();
  scheduled_at_ = kNever;
  settling_ = true;
  // Settle a window, announce what completes in it and run on the cores waiting inside it; then,
  // as long as no core can act (issue a request, or release another core) before some time
  // within the quantum, settle on from there instead of waiting for the kernel.
  Cycles earliest = kNever;  // kNever: nothing is left but what a sync grant may start
  for (Cycles until = now + horizon_;; until = earliest + horizon_) {
    settle(until, now);
    earliest = std::max(earliest_event(), now);
    if (earliest == kNever) break;
    monitor_.replay_before(earliest);  // no access to come is earlier
    if (earliest - now >= quantum_ || earliest + horizon_ <= until) break;
  }
  settling_ = false;
  if (earliest != kNever) wake_for(earliest, now);
}

Cycles MemoryModule::earliest_event() const {
  // A core acts at its next event at the earliest, or when an announcement or a sync grant comes;
  // a grant comes from another core acting; an announcement no earlier than the completion bound.
  Cycles earliest =
      std::visit([](const auto& memory) { return memory.completion_bound(); }, memory_).value_or(kNever);
  for (const Cycles wait : waits_) earliest = std::min(earliest, wait);
  return earliest;
}

void MemoryModule::settle(Cycles until, Cycles now) {
  done_.clear();
  std::visit([&](auto& memory) { memory.advance(until, done_); }, memory_);
  for (const MemoryArbiter::Completion& completion : done_) {
    const auto group = groups_.empty() ? groups_.end() : groups_.find(completion.tag);
    if (group == groups_.end()) {
      answer(completion.tag, completion.at, now);
      continue;
    }
    // Answering runs cores on, which may issue requests that change groups_.
    const std::vector<std::uint64_t> members = std::move(group->second);
    groups_.erase(group);
    for (const std::uint64_t tag : members) answer(tag, completion.at, now);
  }
  // A core run on may release another (a barrier, a semaphore): scan until none is left inside.
  for (bool ran = true; ran;) {
    ran = false;
    for (CoreId c = 0; c < waits_.size(); ++c)
      if (waits_[c] <= until && listeners_[c]) {
        listeners_[c]->settled(now, until);
        ran = true;
      }
  }
}

void MemoryModule::answer(std::uint64_t tag, Cycles at, Cycles now) {
  tlm::tlm_generic_payload& payload = *in_flight_[tag].payload;
  const AccessExtension& ext = *in_flight_[tag].access;
  in_flight_[tag] = {};
  if (ext.kind == TransferKind::load)
    monitor_.record({at, ext.issued, ext.core, ext.index, ext.tensor, ext.first_span, ext.end_span, false}, now);
  payload.set_response_status(tlm::TLM_OK_RESPONSE);
  tlm::tlm_phase phase = tlm::BEGIN_RESP;
  sc_core::sc_time delay = cycles_to_time(at - now);
  socket[static_cast<int>(tag / (2 * depth_))]->nb_transport_bw(payload, phase, delay);
}

Cycles MemoryModule::busy_cycles() const {
  return std::visit([](const auto& memory) { return memory.busy_cycles(); }, memory_);
}

const std::vector<std::pair<Cycles, Cycles>>& MemoryModule::busy_intervals() const {
  return std::visit([](const auto& memory) -> const std::vector<std::pair<Cycles, Cycles>>& { return memory.busy_intervals(); },
                    memory_);
}

void MemoryModule::record_busy() {
  std::visit([](auto& memory) { memory.record_busy(); }, memory_);
}

std::optional<DramStats> MemoryModule::dram_stats() const {
  if (const auto* dram = std::get_if<DramController>(&memory_)) return dram->stats();
  return std::nullopt;
}

void MemoryModule::wake_for(Cycles at, Cycles now) {
  // A completion at cycle c can be settled by a wake anywhere in [c - horizon, c]. Waking at c
  // itself settles the most: everything up to c + horizon.
  if (settling_) return;
  const Cycles wake = std::max(at, now + 1);
  if (wake >= scheduled_at_) return;
  scheduled_at_ = wake;
  wake_.cancel();
  wake_.notify(cycles_to_time(wake - now));
}

}  // namespace tetris::sim
