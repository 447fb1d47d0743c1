#include "sim/sync_module.h"

namespace tetris::sim {

SyncModule::SyncModule(sc_core::sc_module_name name, SyncUnit& unit, std::size_t cores)
    : sc_core::sc_module(name), unit_(unit), listeners_(cores, nullptr) {}

void SyncModule::arrive_barrier(CoreId core, BarrierId id, Cycles now) {
  for (const SyncUnit::Grant& grant : unit_.arrive(id, core, now)) listeners_[grant.core]->sync_granted(grant.at);
}

void SyncModule::signal(CoreId, SemaphoreId semaphore, Cycles now) {
  if (const auto grant = unit_.signal(semaphore, now)) listeners_[grant->core]->sync_granted(grant->at);
}

void SyncModule::wait(CoreId core, SemaphoreId semaphore, Cycles now) {
  if (const auto at = unit_.wait(semaphore, core, now)) listeners_[core]->sync_granted(*at);
}

}  // namespace tetris::sim
