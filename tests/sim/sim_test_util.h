// Helpers for the simulator tests: machines and programs from text, one-call simulation.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/machine_config.h"
#include "common/trace_io.h"
#include "common/plan_file.h"
#include "sim/address_map.h"
#include "sim/simulator.h"

namespace tetris::sim::fixtures {

// A machine with `cores` cores and the given memory figures; sync latencies as given.
inline MachineConfig machine(std::uint64_t cores, std::uint64_t bandwidth = 64, std::uint64_t latency = 100,
                             std::uint64_t barrier_latency = 20, std::uint64_t semaphore_latency = 10) {
  const std::string yaml = "name: test\ncores: " + std::to_string(cores) +
                           "\nmemory:\n  bandwidth_bytes_per_cycle: " + std::to_string(bandwidth) +
                           "\n  latency_cycles: " + std::to_string(latency) +
                           "\n  alignment_bytes: 64\nsync:\n  barrier_latency_cycles: " +
                           std::to_string(barrier_latency) +
                           "\n  semaphore_latency_cycles: " + std::to_string(semaphore_latency) + "\n";
  return parse_machine_config(yaml, "test.yaml");
}

// The same machine on DRAM (memory.model: dram, the config's DDR4-2400 defaults).
inline MachineConfig dram_machine(std::uint64_t cores, std::uint64_t latency = 100, std::uint64_t depth = 1) {
  MachineConfig config = machine(cores, 64, latency);
  config.memory.model = static_cast<std::uint64_t>(MemoryModel::dram);
  config.memory.requests_in_flight = depth;
  return config;
}

inline PlanFile plan(std::vector<std::pair<std::string, std::uint64_t>> offsets) {
  PlanFile p;
  p.planner = "hand";
  p.offsets = std::move(offsets);  // no peak_bytes: the footprint is what the offsets reach
  return p;
}

// Simulates `trace` (text) once; with `plan_file` when given, else the naive plan.
struct Simulation {
  Program program;
  MachineConfig config;
  AddressMap addresses;

  Simulation(const std::string& trace, const MachineConfig& machine_config,
             const std::optional<PlanFile>& plan_file = std::nullopt)
      : program(read_trace(trace, "test.trace")),
        config(machine_config),
        addresses(plan_file ? AddressMap::from_plan(program, config, *plan_file, "test.plan")
                            : AddressMap::naive(program, config, "test.trace")) {}

  RunResult run(const Jitter& jitter = Jitter()) const { return Simulator(program, config, addresses).run(jitter); }
};

}  // namespace tetris::sim::fixtures
