// A trace that reads is simulated with the naive plan on the 16-core machine, on its DRAM and on
// the ideal bus, each with and without multicast, exact and jittered, with the default quantum
// and with none to speak of (1 cycle): temporal decoupling must never change a result, and a run
// that did not deadlock must have executed every instruction.
#include <systemc>

#include <cstdlib>

#include "common/machine_config.h"
#include "common/trace_io.h"
#include "fuzz_target.h"
#include "sim/address_grid.h"
#include "sim/address_map.h"
#include "sim/sim_report.h"
#include "sim/simulator.h"

// libsystemc's main() calls sc_main; libFuzzer brings its own main(), so this is never run.
int sc_main(int, char*[]) { return 0; }

namespace {

const bool kSystemcBannerOff = ::setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 1) == 0;

// Inputs the simulator would need many megabytes for are skipped: the fuzzer hunts for wrong
// behaviour, not for what a machine without memory does.
bool small_enough(const tetris::Program& program) { return tetris::sim::access_rows(program) <= 100000; }

}  // namespace

TETRIS_FUZZ_TARGET({
  const tetris::Program program = tetris::read_trace(input, "fuzz.trace");
  static const tetris::MachineConfig dram = tetris::load_machine_config("cambricon-x-16core");
  static const tetris::MachineConfig ideal = [] {
    tetris::MachineConfig config = dram;
    config.memory.model = static_cast<std::uint64_t>(tetris::MemoryModel::ideal);
    return config;
  }();
  // The same two memories reading a multicast group once (memory.multicast: on).
  static const tetris::MachineConfig dram_multicast = [] {
    tetris::MachineConfig config = dram;
    config.memory.multicast = 1;
    return config;
  }();
  static const tetris::MachineConfig ideal_multicast = [] {
    tetris::MachineConfig config = ideal;
    config.memory.multicast = 1;
    return config;
  }();
  if (program.cores > dram.cores || !small_enough(program)) return 0;
  const tetris::sim::AddressMap addresses = tetris::sim::AddressMap::naive(program, dram, "fuzz.trace");
  std::uint64_t instructions = 0;
  for (const auto& stream : program.streams) instructions += stream.size();
  for (const tetris::MachineConfig* machine : {&dram, &ideal, &dram_multicast, &ideal_multicast})
  for (const tetris::sim::Jitter& jitter : {tetris::sim::Jitter(), tetris::sim::Jitter(1)}) {
    const tetris::MachineConfig& config = *machine;
    std::string reports[2];
    for (int q = 0; q < 2; ++q) {
      const tetris::sim::Cycles quantum = q == 0 ? tetris::sim::Simulator::kDefaultQuantum : 1;
      const tetris::sim::RunResult result = tetris::sim::Simulator(program, config, addresses, quantum).run(jitter);
      if (!result.deadlock && result.instructions != instructions) __builtin_trap();
      reports[q] = tetris::sim::report_to_json({"t", "p", "m", {result}}, program);
    }
    if (reports[0] != reports[1]) __builtin_trap();
  }
})
