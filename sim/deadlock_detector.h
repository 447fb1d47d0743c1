// Deadlock: the simulation ran out of events while some core had not finished its stream.
//
// Cores only ever block in a barrier, a wait or a multicast load (memory and compute always
// finish), so when no event is left, every unfinished core is stuck in one, behind a signal, a
// barrier arrival or a group member's load that can no longer come. The report names each blocked core's position: the instruction, its trace
// line and what it waits for.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/trace.h"
#include "sim/core_model.h"
#include "sim/sim_types.h"
#include "sim/sync_unit.h"

namespace tetris::sim {

struct BlockedCore {
  CoreId core = 0;
  std::uint32_t index = 0;  // in the core's stream
  std::uint32_t line = 0;   // trace line (0 for programs built in memory)
  std::string instruction;  // e.g. "wait 1"
  std::string waiting_for;  // e.g. "barrier 2 has cores 0 arrived, waits for 1"
};

struct DeadlockReport {
  Cycles cycle = 0;  // when the last event happened
  std::vector<BlockedCore> cores;

  std::string describe() const;  // one line per blocked core
};

class DeadlockDetector {
 public:
  // Nothing when every core finished.
  static std::optional<DeadlockReport> check(const Program& program, std::span<const CoreModel* const> cores,
                                             const SyncUnit& sync, Cycles now);
};

}  // namespace tetris::sim
