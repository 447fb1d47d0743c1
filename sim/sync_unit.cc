#include "sim/sync_unit.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace tetris::sim {
namespace {

std::string core_list(const std::vector<CoreId>& cores) {
  return cores.empty() ? std::string("none") : fmt::format("{}", fmt::join(cores, ","));
}

}  // namespace

SyncUnit::SyncUnit(const Program& program, const TimingModel& timing)
    : barrier_latency_(timing.barrier_latency()), semaphore_latency_(timing.semaphore_latency()) {
  for (const auto& [id, participants] : program.barriers) barriers_[id].participants = participants;
  for (CoreId c = 0; c < program.streams.size(); ++c)
    for (const Instruction& instruction : program.streams[c])
      if (const auto* s = std::get_if<Signal>(&instruction.op)) semaphores_[s->semaphore].signaller = c;
}

std::vector<SyncUnit::Grant> SyncUnit::arrive(BarrierId id, CoreId core, Cycles now) {
  BarrierState& b = barriers_[id];
  b.arrived.push_back(core);
  b.last_arrival = std::max(b.last_arrival, now);
  std::vector<Grant> grants;
  if (b.arrived.size() < b.participants.size()) return grants;
  for (CoreId c : b.participants) grants.push_back({c, b.last_arrival + barrier_latency_});
  return grants;
}

std::optional<SyncUnit::Grant> SyncUnit::signal(SemaphoreId semaphore, Cycles now) {
  SemaphoreState& s = semaphores_[semaphore];
  ++s.signals;
  const Cycles visible = now + semaphore_latency_;
  if (s.waiting) {
    const CoreId waiter = *s.waiting;
    s.waiting.reset();
    return Grant{waiter, std::max(visible, s.waiting_since)};
  }
  s.visible.push_back(visible);
  return std::nullopt;
}

std::optional<Cycles> SyncUnit::wait(SemaphoreId semaphore, CoreId core, Cycles now) {
  SemaphoreState& s = semaphores_[semaphore];
  ++s.waits;
  if (s.visible.empty()) {
    s.waiting = core;
    s.waiting_since = now;
    return std::nullopt;
  }
  const Cycles at = std::max(now, s.visible.front());
  s.visible.pop_front();
  return at;
}

std::string SyncUnit::describe_barrier(BarrierId id) const {
  const auto it = barriers_.find(id);
  if (it == barriers_.end()) return fmt::format("barrier {} is unknown", id);
  std::vector<CoreId> missing;
  for (CoreId c : it->second.participants)
    if (std::find(it->second.arrived.begin(), it->second.arrived.end(), c) == it->second.arrived.end())
      missing.push_back(c);
  return fmt::format("barrier {} has cores {} arrived, waits for {}", id, core_list(it->second.arrived),
                     core_list(missing));
}

std::string SyncUnit::describe_semaphore(SemaphoreId semaphore) const {
  const auto it = semaphores_.find(semaphore);
  if (it == semaphores_.end()) return fmt::format("semaphore {} is never signalled", semaphore);
  const SemaphoreState& s = it->second;
  return fmt::format("this is wait #{} on semaphore {}, which core {} has signalled {} time{}", s.waits, semaphore,
                     s.signaller, s.signals, s.signals == 1 ? "" : "s");
}

}  // namespace tetris::sim
