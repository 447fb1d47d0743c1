// The sync unit as a SystemC channel: cores call it through a port; it answers by granting
// cores their release times. All decisions are SyncUnit's.
#pragma once

#include <systemc>
#include <vector>

#include "common/trace.h"
#include "sim/sim_types.h"
#include "sim/sync_unit.h"

namespace tetris::sim {

class SyncInterface : public virtual sc_core::sc_interface {
 public:
  virtual void arrive_barrier(CoreId core, BarrierId id, Cycles now) = 0;
  virtual void signal(CoreId core, SemaphoreId semaphore, Cycles now) = 0;
  virtual void wait(CoreId core, SemaphoreId semaphore, Cycles now) = 0;
};

// Told when its sync instruction may complete.
class SyncListener {
 public:
  virtual ~SyncListener() = default;
  virtual void sync_granted(Cycles at) = 0;
};

class SyncModule : public sc_core::sc_module, public SyncInterface {
 public:
  SyncModule(sc_core::sc_module_name name, SyncUnit& unit, std::size_t cores);

  void attach(CoreId core, SyncListener& listener) { listeners_[core] = &listener; }

  void arrive_barrier(CoreId core, BarrierId id, Cycles now) override;
  void signal(CoreId core, SemaphoreId semaphore, Cycles now) override;
  void wait(CoreId core, SemaphoreId semaphore, Cycles now) override;

 private:
  SyncUnit& unit_;
  std::vector<SyncListener*> listeners_;
};

}  // namespace tetris::sim
