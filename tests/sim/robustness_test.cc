// Timing robustness: jitter finds a race a single timing hides; identical inputs give identical
// results; no layer ever beats its roofline; plans from the liveness analysis run clean.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/file_io.h"
#include "memmgr/happens_before.h"
#include "memmgr/instruction_liveness.h"
#include "memmgr/plan_io.h"
#include "memmgr/planner.h"
#include "memmgr/topology_liveness.h"
#include "sim/sim_report.h"
#include "sim/statistics.h"
#include "sim/simulator.h"
#include "sim_test_util.h"

namespace tetris::sim {
namespace {

using fixtures::dram_machine;
using fixtures::machine;
using fixtures::plan;
using fixtures::Simulation;

// Core 0 makes x and tells core 1, then streams x back in four tiles, computing 250 cycles on
// each (a tile's load waits for the compute two tiles back: NBin is double-buffered). Core 1
// waits for x, computes and writes y, but nothing tells it that core 0 has finished reading x.
// With x and y sharing addresses the plan is only safe while core 1 happens to be slower:
// at exact timing core 0's last load of x completes before core 1's store of y issues; with
// jitter (up to +100% on computes and memory latencies) core 0 is sometimes later.
const std::string kRacyTraceTemplate = R"(tetris-trace 1
cores 2
element_bytes 2
layer 0 make conv
layer 1 use conv
tensor 0 in 2048 input -
tensor 1 x 2048 activation make
tensor 2 y 2048 activation use
tensor 3 out 2048 output use
core 0
layer make
load 0 0 2048 nbin
compute conv 256
store 1 0 2048 nbout
signal 0
layer use
load 1 0 512 nbin
compute conv 64000
load 1 512 512 nbin
compute conv 64000
load 1 1024 512 nbin
compute conv 64000
load 1 1536 512 nbin
compute conv 64000
store 3 0 2048 nbout
core 1
layer make
wait 0
layer use
compute conv WORK
store 2 0 2048 nbout
)";

std::string racy_trace(int work) {
  std::string t = kRacyTraceTemplate;
  t.replace(t.find("WORK"), 4, std::to_string(work));
  return t;
}
// 760 cycles: exact timing is safe from 720 on; 6 of the seeds 1..20 expose the race.
const std::string kRacyTrace = racy_trace(256 * 760);

PlanFile racy_plan() { return plan({{"in", 0}, {"x", 2048}, {"y", 2048}, {"out", 4096}}); }

TEST(Jitter, CatchesARaceThatExactTimingHides) {
  const Simulation sim(kRacyTrace, machine(2), racy_plan());
  const RunResult exact = sim.run();
  std::vector<RunResult> runs;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) runs.push_back(sim.run(Jitter(seed)));
  const auto conflicts = conflicts_over_runs(runs);
  ASSERT_FALSE(conflicts.empty()) << "no seed exposed the race";
  const Conflict& c = conflicts.front().conflict;
  EXPECT_EQ(sim.program.tensors[c.tensor].name, "x");
  EXPECT_EQ(sim.program.tensors[c.writer.tensor].name, "y");
  EXPECT_EQ(c.core, 0u);
  EXPECT_EQ(c.line, 23u);  // the last tile's load
  EXPECT_EQ(c.writer.core, 1u);
  EXPECT_EQ(c.writer.line, 31u);
  EXPECT_LT(conflicts.front().runs, 20u) << "the race should depend on timing";
}

TEST(Jitter, TheSameRaceWithItsSyncIsCleanUnderEveryTiming) {
  std::string fixed = kRacyTrace;
  fixed.replace(fixed.find("store 3"), 0, "signal 1\n");
  fixed.replace(fixed.find("store 2"), 0, "wait 1\n");
  const Simulation sim(fixed, machine(2), racy_plan());
  for (std::uint64_t seed = 0; seed <= 20; ++seed) {
    const RunResult r = seed ? sim.run(Jitter(seed)) : sim.run();
    EXPECT_EQ(r.conflict_count, 0u) << "seed " << seed;
    EXPECT_FALSE(r.deadlock);
  }
}

TEST(Determinism, IdenticalInputsGiveIdenticalResults) {
  const Simulation a(kRacyTrace, machine(2), racy_plan());
  const Simulation b(kRacyTrace, machine(2), racy_plan());
  for (const Jitter& jitter : {Jitter(), Jitter(7), Jitter(8)}) {
    SimReport ra{"t", "p", "m", {a.run(jitter)}}, rb{"t", "p", "m", {b.run(jitter)}};
    EXPECT_EQ(report_to_json(ra, a.program), report_to_json(rb, b.program));
    EXPECT_EQ(report_to_table(ra, a.program), report_to_table(rb, b.program));
  }
  EXPECT_NE(a.run(Jitter(7)).cycles, a.run(Jitter(8)).cycles);
}

// A 4-core, 3-layer program: tiles of load, load (weights), compute, store between barriers.
std::string synthetic_trace(int cores, int layers, int tiles) {
  std::string t = "tetris-trace 1\ncores " + std::to_string(cores) + "\nelement_bytes 2\n";
  for (int l = 0; l < layers; ++l) t += "layer " + std::to_string(l) + " conv" + std::to_string(l) + " conv\n";
  const int bytes = 2048 * tiles * cores;
  for (int l = 0; l <= layers; ++l)
    t += "tensor " + std::to_string(l) + " t" + std::to_string(l) + " " + std::to_string(bytes) + " " +
         (l == 0 ? "input -" : (l == layers ? "output conv" : "activation conv") + std::to_string(l - 1)) + "\n";
  t += "tensor " + std::to_string(layers + 1) + " w 65536 weight -\n";
  for (int c = 0; c < cores; ++c) {
    t += "core " + std::to_string(c) + "\n";
    for (int l = 0; l < layers; ++l) {
      t += "layer conv" + std::to_string(l) + "\n";
      for (int i = 0; i < tiles; ++i) {
        const int offset = (c * tiles + i) * 2048;
        t += "load " + std::to_string(l) + " " + std::to_string(offset) + " 2048 nbin\n";
        t += "load2d " + std::to_string(layers + 1) + " 0 512 1024 8 sb\n";
        t += "compute conv " + std::to_string(50000 + 10000 * ((c + i + l) % 5)) + "\n";
        t += "compute activation 1024\n";
        t += "store " + std::to_string(l + 1) + " " + std::to_string(offset) + " 2048 nbout\n";
      }
      t += "barrier " + std::to_string(l) + " all\n";
    }
  }
  return t;
}

// Like synthetic_trace, but each core tells the next by a semaphore instead of a barrier, so the
// cores drift apart; tile sizes and computes vary.
std::string p2p_trace(int cores, int layers, int tiles) {
  std::string t = "tetris-trace 1\ncores " + std::to_string(cores) + "\nelement_bytes 2\n";
  for (int l = 0; l < layers; ++l) t += "layer " + std::to_string(l) + " conv" + std::to_string(l) + " conv\n";
  const int bytes = 4096 * tiles * cores;
  for (int l = 0; l <= layers; ++l)
    t += "tensor " + std::to_string(l) + " t" + std::to_string(l) + " " + std::to_string(bytes) + " " +
         (l == 0 ? "input -" : (l == layers ? "output conv" : "activation conv") + std::to_string(l - 1)) + "\n";
  for (int c = 0; c < cores; ++c) {
    t += "core " + std::to_string(c) + "\n";
    for (int l = 0; l < layers; ++l) {
      t += "layer conv" + std::to_string(l) + "\n";
      if (l > 0 && c > 0) t += "wait " + std::to_string((l - 1) * cores + c - 1) + "\n";
      for (int i = 0; i < tiles; ++i) {
        const int size = 512 * (1 + (c + i + l) % 8), offset = (c * tiles + i) * 4096;
        t += "load " + std::to_string(l) + " " + std::to_string(offset) + " " + std::to_string(size) + " nbin\n";
        t += "compute conv " + std::to_string(2000 + 7919 * ((c * 3 + i + l) % 11)) + "\n";
        t += "store " + std::to_string(l + 1) + " " + std::to_string(offset) + " " + std::to_string(size) + " nbout\n";
      }
      if (c + 1 < cores) t += "signal " + std::to_string(l * cores + c) + "\n";
    }
  }
  return t;
}

// Temporal decoupling (MemoryModule) settles ahead of the kernel on the argument that nothing can
// happen sooner; were that wrong anywhere, how far it may run ahead would change the results.
TEST(Determinism, TheQuantumChangesNothingButSpeed) {
  std::vector<Simulation> runs;
  runs.emplace_back(kRacyTrace, machine(2), racy_plan());  // conflicts under some timings
  runs.emplace_back(synthetic_trace(4, 3, 6), machine(4));
  runs.emplace_back(p2p_trace(4, 4, 5), machine(4, 32, 300));
  runs.emplace_back(p2p_trace(3, 3, 4), machine(3, 8, 0, 0, 0));  // no latency: no lookahead at all
  // Several requests in flight per unit, completing out of order.
  for (const std::uint64_t depth : {2u, 5u}) {
    MachineConfig deep = machine(4, 32, 300);
    deep.memory.requests_in_flight = depth;
    runs.emplace_back(p2p_trace(4, 4, 5), deep);
    runs.emplace_back(synthetic_trace(4, 3, 6), deep);
    runs.emplace_back(kRacyTrace, [&] { MachineConfig two = machine(2); two.memory.requests_in_flight = depth; return two; }(),
                      racy_plan());
  }
  // DRAM: its own lookahead bound, completions out of order across channels.
  runs.emplace_back(kRacyTrace, dram_machine(2), racy_plan());
  runs.emplace_back(p2p_trace(4, 4, 5), dram_machine(4, 300, 4));
  runs.emplace_back(synthetic_trace(4, 3, 6), dram_machine(4, 0, 2));
  for (const auto& entry : std::filesystem::directory_iterator(TETRIS_SOURCE_DIR "/tests/data/traces"))
    if (entry.path().extension() == ".trace") {
      runs.emplace_back(read_text_file(entry.path().string()), machine(4));
      runs.emplace_back(read_text_file(entry.path().string()), dram_machine(4, 100, 4));
    }
  for (const Simulation& sim : runs)
    for (const Jitter& jitter : {Jitter(), Jitter(1), Jitter(2), Jitter(3)}) {
      std::string first;
      for (const Cycles quantum : {Cycles{1}, Cycles{997}, Simulator::kDefaultQuantum, Cycles{1} << 50}) {
        const SimReport report{"t", "p", "m", {Simulator(sim.program, sim.config, sim.addresses, quantum).run(jitter)}};
        const std::string json = report_to_json(report, sim.program);
        if (first.empty()) first = json;
        EXPECT_EQ(json, first) << "quantum " << quantum << ", seed " << jitter.seed().value_or(0);
      }
    }
}

// Four cores, each tile loading one weight slice all of them share (a multicast group), its own
// input slice, computing and storing: the trace-traffic roofline counts each group once on a
// memory that multicasts.
std::string multicast_trace() {
  std::string t = "tetris-trace 3\ncores 4\nelement_bytes 2\nlayer 0 conv conv\n"
                  "tensor 0 w 24576 weight -\ntensor 1 x 49152 input -\ntensor 2 y 49152 output conv\n";
  for (int core = 0; core < 4; ++core) {
    t += "core " + std::to_string(core) + "\nlayer conv\n";
    for (int tile = 0; tile < 6; ++tile) {
      const int slice = (core * 6 + tile) * 2048;
      t += "mload " + std::to_string(tile) + " all 0 " + std::to_string(tile * 4096) + " 4096 sb\n";
      t += "load 1 " + std::to_string(slice) + " 2048 nbin\ncompute conv " + std::to_string(20000 + 5000 * core) +
           "\nstore 2 " + std::to_string(slice) + " 2048 nbout\n";
    }
  }
  return t;
}

MachineConfig multicasting(MachineConfig config) {
  config.memory.multicast = 1;
  return config;
}

TEST(Roofline, NoLayerIsEverFasterThanItsRoofline) {
  const std::vector<std::pair<std::string, MachineConfig>> cases = {
      {read_text_file(std::string(TETRIS_SOURCE_DIR) + "/docs/examples/two-core.trace"), machine(2)},
      {kRacyTrace, machine(2)},
      {synthetic_trace(4, 3, 6), machine(4)},
      {synthetic_trace(4, 3, 6), machine(4, 8, 10)},      // memory bound
      {synthetic_trace(4, 3, 6), machine(4, 4096, 400)},  // compute bound, long latency
      {synthetic_trace(2, 2, 3), machine(4)},             // fewer cores than the machine
      {synthetic_trace(4, 3, 6), [] { MachineConfig m = machine(4, 8, 400); m.memory.requests_in_flight = 4; return m; }()},
      // DRAM: the roofline takes the channels' peak (4 x 19.2 GB/s, 77 B/cycle rounded up).
      {synthetic_trace(4, 3, 6), dram_machine(4, 0, 4)},
      {synthetic_trace(4, 3, 6), dram_machine(4, 100, 1)},
      {read_text_file(std::string(TETRIS_SOURCE_DIR) + "/docs/examples/two-core.trace"), dram_machine(2, 0, 8)},
      {multicast_trace(), multicasting(machine(4, 8, 10))},  // memory bound: groups counted once
      {multicast_trace(), multicasting(machine(4, 64, 100))},
      {multicast_trace(), multicasting(dram_machine(4, 0, 4))},
      {multicast_trace(), machine(4, 8, 10)},  // the same groups as plain loads
  };
  int layers_checked = 0;
  for (const auto& [trace, config] : cases) {
    const Simulation sim(trace, config);
    for (std::uint64_t seed = 0; seed <= 5; ++seed) {
      const RunResult r = seed ? sim.run(Jitter(seed)) : sim.run();
      ASSERT_FALSE(r.deadlock);
      for (const LayerResult& layer : r.layers) {
        if (layer.first == kNever) continue;
        ASSERT_TRUE(layer.roofline_cycles && layer.compulsory_roofline_cycles) << layer.name;
        EXPECT_GE(double(layer.cycles()), *layer.roofline_cycles) << layer.name << " seed " << seed;
        EXPECT_GT(*layer.roofline_cycles, 0.0);
        // Never more bytes than the trace moves, so a lower bound at least as low.
        EXPECT_LE(layer.compulsory_bytes, layer.bytes) << layer.name;
        EXPECT_LE(*layer.compulsory_roofline_cycles, *layer.roofline_cycles) << layer.name;
        ++layers_checked;
      }
    }
  }
  EXPECT_GT(layers_checked, 50);
}

TEST(Roofline, ABoundLayerComesClose) {
  // One core streaming 64 KiB in 32 loads at 64 B/cycle: 1024 beats; the latency of each load
  // is hidden only partly (one load in flight per unit), so the ratio stays small but above 1.
  std::string t = "tetris-trace 1\ncores 1\nelement_bytes 2\nlayer 0 copy copy\ntensor 0 x 65536 input -\ncore 0\nlayer copy\n";
  for (int i = 0; i < 32; ++i) t += "load 0 " + std::to_string(i * 2048) + " 2048 nbin\n";
  const Simulation sim(t, machine(1, 64, 0));
  const RunResult r = sim.run();
  EXPECT_DOUBLE_EQ(r.layers[0].roofline_cycles.value(), 1024.0);
  EXPECT_EQ(r.layers[0].cycles(), 1024u);  // no latency: the bus is never idle
}

// The compulsory roofline counts each byte once: a layer that loads the same 16 KiB four times
// (a reload, as a weight per core) and stores 8 KiB twice over the same bytes moves 80 KiB but
// must move 24 KiB. A layer with no instructions (a view) has no roofline at all.
TEST(Roofline, CompulsoryTrafficCountsEachByteOnceAndViewsHaveNone) {
  std::string t = "tetris-trace 1\ncores 1\nelement_bytes 2\nlayer 0 conv conv\nlayer 1 view flatten\n"
                  "tensor 0 x 16384 input -\ntensor 1 y 8192 output -\ncore 0\nlayer conv\n";
  for (int i = 0; i < 4; ++i) t += "load 0 0 16384 nbin\n";
  // Strided rows that tile the tensor: 2 x (4 rows of 1 KiB, stride 2 KiB, offsets 0 and 1 KiB).
  t += "store2d 1 0 1024 2048 4 nbout\nstore2d 1 1024 1024 2048 4 nbout\n";
  t += "store 1 0 8192 nbout\n";
  const Simulation sim(t, machine(1, 64, 0));
  const RunResult r = sim.run();
  ASSERT_EQ(r.layers.size(), 2u);
  EXPECT_EQ(r.layers[0].bytes, 4u * 16384 + 2 * 8192);
  EXPECT_EQ(r.layers[0].compulsory_bytes, 16384u + 8192u);
  EXPECT_DOUBLE_EQ(r.layers[0].compulsory_roofline_cycles.value(), (16384.0 + 8192.0) / 64);
  EXPECT_FALSE(r.layers[1].roofline_cycles);
  EXPECT_FALSE(r.layers[1].compulsory_roofline_cycles);
}

// Plans made from the liveness analysis are safe for every interleaving the synchronisation
// allows, so they must run clean under any jitter, and the peak live bytes seen can never exceed a
// safe plan's footprint. Every planner on topology-level liveness, Tetris on instruction level too.
TEST(Plans, EveryPlannersPlansRunCleanUnderJitter) {
  std::vector<std::string> files = {std::string(TETRIS_SOURCE_DIR) + "/docs/examples/two-core.trace"};
  for (const auto& entry : std::filesystem::directory_iterator(std::string(TETRIS_SOURCE_DIR) + "/tests/data/traces"))
    if (entry.path().extension() == ".trace") files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  int plans = 0;
  for (const std::string& file : files) {
    const Program program = read_trace_file(file);
    const MachineConfig config = machine(program.cores);
    memmgr::InstructionLivenessOptions options;
    options.alignment = 64;
    const auto hb = memmgr::HappensBefore::analyze(program, file);
    const memmgr::Problem instruction = memmgr::instruction_liveness(program, hb, options, file);
    const memmgr::Problem topology = memmgr::topology_liveness(program, 64, file);
    for (const memmgr::PlannerInfo& planner : memmgr::planners()) {
      std::vector<const memmgr::Problem*> problems = {&topology};
      if (planner.name == "tetris") problems.push_back(&instruction);
      for (const memmgr::Problem* problem : problems) {
        memmgr::PlannerOptions planner_options;
        planner_options.max_generations = 50;
        const memmgr::PlanResult result = planner.plan(*problem, planner_options);
        const PlanFile plan_file = memmgr::make_plan_file(*problem, result, 1);
        const AddressMap addresses = AddressMap::from_plan(program, config, plan_file, "plan");
        const Simulator simulator(program, config, addresses);
        ++plans;
        for (std::uint64_t seed = 0; seed <= 8; ++seed) {
          const RunResult r = seed ? simulator.run(Jitter(seed)) : simulator.run();
          EXPECT_EQ(r.conflict_count, 0u) << file << " " << planner.name << " seed " << seed << ": "
                                          << (r.conflicts.empty() ? "" : describe_conflict(r.conflicts[0], program));
          EXPECT_FALSE(r.deadlock) << file;
          EXPECT_LE(r.peak_live_bytes, r.footprint_bytes) << file << " " << planner.name;
        }
      }
    }
  }
  EXPECT_GE(plans, 4 * 8);
}

TEST(Statistics, EveryStatisticIsDocumented) {
  const std::string doc = read_text_file(std::string(TETRIS_SOURCE_DIR) + "/docs/simulator.md");
  auto check = [&](auto statistics) {
    for (const auto& s : statistics) {
      EXPECT_NE(doc.find("`" + std::string(s.name) + "`"), std::string::npos) << s.name;
      EXPECT_FALSE(s.unit.empty()) << s.name;
      EXPECT_FALSE(s.description.empty()) << s.name;
    }
  };
  check(run_statistics());
  check(core_statistics());
  check(layer_statistics());
  check(run_set_statistics());
}

}  // namespace
}  // namespace tetris::sim
