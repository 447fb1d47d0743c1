// Topology- and instruction-level liveness on hand-written traces that show the point, plus the
// properties that must hold between the two levels and under added or removed synchronisation.
#include <gtest/gtest.h>

#include <tuple>

#include <random>

#include <fmt/format.h>

#include "common/input_error.h"
#include "common/trace_io.h"
#include "memmgr/genetic_planner.h"
#include "memmgr/happens_before.h"
#include "memmgr/instruction_liveness.h"
#include "memmgr/plan_validator.h"
#include "memmgr/problem_io.h"
#include "memmgr/tensor_liveness.h"
#include "memmgr/topology_liveness.h"

namespace tetris::memmgr {
namespace {

Program trace(const std::string& name) {
  return read_trace_file(std::string(TETRIS_SOURCE_DIR) + "/tests/data/traces/" + name);
}

Problem instruction_problem(const Program& program, std::uint32_t max_pieces = 64) {
  return instruction_liveness(program, HappensBefore::analyze(program), {1, max_pieces}, "test");
}

BufferId buffer_named(const Problem& problem, std::string_view name) {
  for (BufferId b = 0; b < problem.buffers().size(); ++b)
    if (problem.buffers()[b].name == name) return b;
  ADD_FAILURE() << "no buffer " << name;
  return 0;
}

bool buffers_conflict(const Problem& problem, std::string_view a, std::string_view b) {
  const auto list = problem.conflicting_buffers(buffer_named(problem, a));
  return std::find(list.begin(), list.end(), buffer_named(problem, b)) != list.end();
}

// Whether the pieces holding byte x of tensor a and byte y of tensor b conflict.
bool bytes_conflict(const Problem& problem, BufferId a, Offset x, BufferId b, Offset y) {
  auto piece_at = [&](BufferId buffer, Offset byte) {
    const Buffer& info = problem.buffers()[buffer];
    for (PieceId p = info.first_piece; p < info.first_piece + info.piece_count; ++p)
      if (problem.pieces()[p].offset <= byte && byte < problem.pieces()[p].offset + problem.pieces()[p].size) return p;
    return PieceId{0};
  };
  const PieceId pa = piece_at(a, x), pb = piece_at(b, y);
  return problem.pieces_conflict(pa, pb);
}

PlannerOptions quick() {
  PlannerOptions options;
  options.max_generations = 200;
  return options;
}

TEST(HappensBefore, ProgramOrderBarriersAndSemaphores) {
  const Program program = trace("p2p_early_release.trace");
  const HappensBefore hb = HappensBefore::analyze(program);
  // core 0: 0 load, 1 compute, 2 store, 3 signal 0, 4 wait 1, 5 load x, 6 compute, 7 signal 2
  // core 1: 0 wait 0, 1 signal 1, 2 wait 2, 3 load, 4 compute, 5 store y, ...
  EXPECT_TRUE(hb.before({0, 2}, {1, 0}));   // the store of x precedes core 1's wait 0
  EXPECT_TRUE(hb.before({0, 5}, {1, 5}));   // the read of x precedes the write of y
  EXPECT_FALSE(hb.before({1, 1}, {0, 3}));  // core 1's signal 1 does not precede core 0's signal 0
  EXPECT_TRUE(hb.before({1, 1}, {0, 5}));
  EXPECT_LT(hb.position({0, 5}), hb.position({1, 5}));
  EXPECT_EQ(hb.total_instructions(), program.streams[0].size() + program.streams[1].size());
}

TEST(HappensBefore, DeadlockIsReportedWithEveryBlockedCore) {
  const Program program = read_trace(
      "tetris-trace 1\ncores 2\nelement_bytes 2\ncore 0\nwait 0\nsignal 1\ncore 1\nwait 1\nsignal 0\n", "cycle.trace");
  try {
    HappensBefore::analyze(program, "cycle.trace");
    FAIL() << "no deadlock reported";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("deadlock"), std::string::npos) << message;
    EXPECT_NE(message.find("core 0 at instruction 0 (line 5) (wait 0)"), std::string::npos) << message;
    EXPECT_NE(message.find("core 1 at instruction 0 (line 8) (wait 1)"), std::string::npos) << message;
  }
}

// A multicast load waits for every participant but orders nothing: crossed groups deadlock,
// and a group met in one order adds no happens-before edge.
TEST(HappensBefore, MulticastLoadsAreRendezvousWithoutOrder) {
  const std::string head = "tetris-trace 3\ncores 2\nelement_bytes 2\ntensor 0 w 128 weight -\n";  // lines 1-4
  try {
    HappensBefore::analyze(read_trace(head + "core 0\nmload 0 all 0 0 64 sb\nmload 1 all 0 64 64 sb\n"
                                             "core 1\nmload 1 all 0 64 64 sb\nmload 0 all 0 0 64 sb\n",
                                      "crossed.trace"),
                           "crossed.trace");
    FAIL() << "no deadlock reported";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("core 0 at instruction 0 (line 6) (multicast load 0)"), std::string::npos) << message;
    EXPECT_NE(message.find("core 1 at instruction 0 (line 9) (multicast load 1)"), std::string::npos) << message;
  }
  const Program ok = read_trace(head + "core 0\nmload 0 all 0 0 64 sb\ncompute conv 64\n"
                                       "core 1\ncompute conv 64\nmload 0 all 0 0 64 sb\n",
                                "ok.trace");
  const HappensBefore hb = HappensBefore::analyze(ok, "ok.trace");
  EXPECT_FALSE(hb.before({1, 0}, {0, 1}));  // core 1's compute before its mload: no order with core 0
  EXPECT_FALSE(hb.before({0, 0}, {1, 1}));
}

TEST(Liveness, ElementwiseOutputTakesItsInputsBytesTileByTile) {
  const Program program = trace("eltwise_in_place.trace");
  const Problem topology = topology_liveness(program, 1, "eltwise");
  const Problem instruction = instruction_problem(program);
  EXPECT_TRUE(buffers_conflict(topology, "a", "b"));
  EXPECT_EQ(instruction.pieces_of(buffer_named(instruction, "a")).size(), 4u);
  const BufferId a = buffer_named(instruction, "a"), b = buffer_named(instruction, "b");
  // b's tile j may overlap a's tile i exactly when i <= j.
  for (Offset i = 0; i < 4; ++i)
    for (Offset j = 0; j < 4; ++j)
      EXPECT_EQ(bytes_conflict(instruction, a, i * 1024, b, j * 1024), i > j) << i << " " << j;
  EXPECT_EQ(topology.lower_bound(), 4096u + 4096u);  // a and b live together during relu
  EXPECT_LT(instruction.lower_bound(), topology.lower_bound());
  const PlanResult plan = plan_tetris(instruction, quick());
  EXPECT_FALSE(validate_plan(instruction, plan.offsets).has_value());
  EXPECT_LT(plan.peak, plan_tetris(topology, quick()).peak);
}

// A cascade: one core runs layers 1 and 2 strip by strip, so in its stream layer 1's store of
// the second strip follows layer 2's load of the first. Layer-level liveness takes the two as one
// step: the ring r (written by 1, read by 2), the chain's input x (read by 1) and its output y
// (written by 2) all live together, where per-layer steps would let y reuse x.
TEST(Liveness, TopologyLevelTakesInterleavedLayersAsOneStep) {
  const Program program = read_trace(
      "tetris-trace 1\ncores 1\nelement_bytes 2\n"
      "layer 0 a conv\nlayer 1 b conv\nlayer 2 c pool\n"
      "tensor 0 in 64 input -\ntensor 1 x 64 activation a\ntensor 2 r 32 activation b\n"
      "tensor 3 y 64 output c\n"
      "core 0\nlayer a\nload 0 0 64 nbin\ncompute conv 1\nstore 1 0 64 nbout\n"
      "layer b\nload 1 0 32 nbin\ncompute conv 1\nstore 2 0 32 nbout\n"
      "layer c\nload 2 0 32 nbin\ncompute pool 1\nstore 3 0 32 nbout\n"
      "layer b\nload 1 32 32 nbin\ncompute conv 1\nstore 2 0 32 nbout\n"
      "layer c\nload 2 0 32 nbin\ncompute pool 1\nstore 3 32 32 nbout\n",
      "cascade.trace");
  const Problem topology = topology_liveness(program, 1, "cascade");
  EXPECT_TRUE(buffers_conflict(topology, "x", "y"));
  EXPECT_TRUE(buffers_conflict(topology, "x", "r"));
  EXPECT_TRUE(buffers_conflict(topology, "r", "y"));
  EXPECT_FALSE(buffers_conflict(topology, "in", "y"));  // layer a stays a step of its own
}

// Under barrier sync a cascade of one strip per core has no interleaving in any stream, but no
// barrier separates its layers: core 1 may still read r (layer c) while core 0 already writes y
// (layer d). Layers with no barrier between them are one step, so r and y conflict, where layer
// steps of their own would let y reuse r; the barrier after layer a keeps a's own step.
TEST(Liveness, TopologyLevelJoinsLayersNoBarrierSeparates) {
  std::string text =
      "tetris-trace 1\ncores 2\nelement_bytes 2\n"
      "layer 0 a conv\nlayer 1 b conv\nlayer 2 c conv\nlayer 3 d pool\n"
      "tensor 0 in 64 input -\ntensor 1 x 64 activation a\ntensor 2 r 64 activation b\n"
      "tensor 3 s 64 activation c\ntensor 4 y 64 output d\n";
  for (const char* core : {"0", "1"}) {
    const std::string at = std::string(core) == "0" ? "0" : "32";
    text += std::string("core ") + core + "\nlayer a\nload 0 " + at + " 32 nbin\ncompute conv 1\nstore 1 " + at +
            " 32 nbout\nbarrier 0 all\n";
    for (const auto& [layer, in, out] : {std::tuple{"b", "1", "2"}, {"c", "2", "3"}, {"d", "3", "4"}})
      text += std::string("layer ") + layer + "\nload " + in + " " + at + " 32 nbin\ncompute conv 1\nstore " + out +
              " " + at + " 32 nbout\n";
  }
  const Problem topology = topology_liveness(read_trace(text, "strip.trace"), 1, "strip");
  EXPECT_TRUE(buffers_conflict(topology, "r", "y"));
  EXPECT_TRUE(buffers_conflict(topology, "x", "y"));
  EXPECT_FALSE(buffers_conflict(topology, "in", "r"));
}

TEST(Liveness, PointToPointSyncLetsACoreReleaseATensorEarly) {
  const Program program = trace("p2p_early_release.trace");
  EXPECT_TRUE(buffers_conflict(topology_liveness(program, 1, "p2p"), "x", "y"));
  // Every read of x happens before every write of y, so they may share.
  const Problem instruction = instruction_problem(program);
  EXPECT_FALSE(buffers_conflict(instruction, "x", "y"));
  const Problem topology = topology_liveness(program, 1, "p2p");
  EXPECT_LT(instruction.lower_bound(), topology.lower_bound());
  EXPECT_LT(plan_tetris(instruction, quick()).peak, plan_tetris(topology, quick()).peak);
}

TEST(Liveness, BlocksOfOneTensorAreBuffersThatConflictOnlyWhenBothLive) {
  // One core: a's block 0 is written and read before its block 1 is written; then both blocks of
  // b are written and read together. Rigid, a needs 256 bytes; in blocks, its two halves can
  // share 128, and b's two blocks must lie apart.
  const Program program = read_trace(R"(tetris-trace 2
cores 1
element_bytes 2
layer 0 l0 relu
tensor 0 a 256 activation l0
tensor 1 b 256 activation l0
block 0 128
block 1 128
core 0
layer l0
store 0 0 128 nbout
load 0 0 128 nbin
store 0 128 128 nbout
load 0 128 128 nbin
store 1 0 128 nbout
store 1 128 128 nbout
load 1 0 128 nbin
load 1 128 128 nbin
)",
                                     "blocks.trace");
  const Problem instruction = instruction_problem(program);
  ASSERT_EQ(instruction.buffers().size(), 4u);
  EXPECT_EQ(instruction.buffers()[buffer_named(instruction, "a#1")].size, 128u);
  EXPECT_FALSE(buffers_conflict(instruction, "a#0", "a#1"));
  EXPECT_TRUE(buffers_conflict(instruction, "b#0", "b#1"));
  EXPECT_EQ(instruction.lower_bound(), 256u);  // b's two blocks, live together
  const PlanResult plan = plan_tetris(instruction, quick());
  EXPECT_FALSE(validate_plan(instruction, plan.offsets).has_value());
  EXPECT_EQ(plan.peak, 256u);
  // At topology level a tensor's blocks live as long as it does: all four conflict.
  const Problem topology = topology_liveness(program, 1, "blocks");
  EXPECT_TRUE(buffers_conflict(topology, "a#0", "a#1"));
}

TEST(Liveness, InputBytesNobodyReadsStillHoldTheirAddressAtTheStart) {
  // The host writes both inputs before the program starts. x's block 1 is never read; if it
  // counted as dead from the start, a plan could put y there, and the preload of x would
  // overwrite y before core 0 reads it (the simulator caught this in a tile-mode SqueezeNet).
  const Program program = read_trace(R"(tetris-trace 2
cores 1
element_bytes 2
layer 0 l0 relu
tensor 0 x 256 input -
block 0 128
tensor 1 y 128 input -
tensor 2 z 128 activation l0
core 0
layer l0
load 0 0 128 nbin
load 1 0 128 nbin
store 2 0 128 nbout
)",
                                     "inputs.trace");
  const Problem instruction = instruction_problem(program);
  EXPECT_TRUE(buffers_conflict(instruction, "x#1", "y"));
  EXPECT_TRUE(buffers_conflict(instruction, "x#0", "y"));
  // An activation written after everything else has been read may still take x#1's place.
  EXPECT_FALSE(buffers_conflict(instruction, "x#1", "z"));
  const PlanResult plan = plan_tetris(instruction, quick());
  EXPECT_FALSE(validate_plan(instruction, plan.offsets).has_value());
  EXPECT_GE(plan.peak, 384u);  // x's two blocks and y, all there at the start
}

TEST(Liveness, ARaceForbidsSharing) {
  const Problem instruction = instruction_problem(trace("racy.trace"));
  EXPECT_TRUE(buffers_conflict(instruction, "x", "y"));
  const PlanResult plan = plan_tetris(instruction, quick());
  EXPECT_FALSE(validate_plan(instruction, plan.offsets).has_value());
}

TEST(Liveness, TopologyLevelNeedsLayers) {
  const Program program = read_trace(
      "tetris-trace 1\ncores 1\nelement_bytes 2\ntensor 0 t 64 activation -\ncore 0\nstore 0 0 64 nbout\n", "t");
  EXPECT_THROW(topology_liveness(program, 1, "t"), InputError);
}

// Random layered programs: each layer reads earlier tensors and writes its own, tiles spread
// over the cores; with `barriers`, a global barrier ends every layer, otherwise semaphores order
// some producer/consumer pairs and the rest race.
Program random_layered_program(std::mt19937_64& rng, bool barriers) {
  auto pick = [&](std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng); };
  Program p;
  p.cores = static_cast<std::uint32_t>(1 + pick(4));
  p.streams.resize(p.cores);
  const auto layers = 2 + pick(5);
  p.tensors.push_back({"in", 256 * (1 + pick(8)), TensorKind::input, {}, {}});
  SemaphoreId semaphore = 0;
  for (LayerId l = 0; l < layers; ++l) {
    p.layers.push_back({fmt::format("L{}", l), "conv"});
    const TensorKind kind = l + 1 == layers ? TensorKind::output : TensorKind::activation;
    const TensorId out = static_cast<TensorId>(p.tensors.size());
    p.tensors.push_back({fmt::format("t{}", l), 256 * (1 + pick(8)), kind, l, {}});
    const TensorId source = static_cast<TensorId>(pick(out));
    const auto tiles = 1 + pick(4);
    const std::uint64_t bytes = p.tensors[out].bytes, in_bytes = p.tensors[source].bytes;
    for (std::uint64_t t = 0; t < tiles; ++t) {
      const CoreId core = static_cast<CoreId>(pick(p.cores));
      const std::uint64_t lo = bytes * t / tiles, hi = bytes * (t + 1) / tiles;
      const std::uint64_t in_lo = in_bytes * t / tiles, in_hi = in_bytes * (t + 1) / tiles;
      if (in_hi > in_lo) p.streams[core].push_back({Load{source, TensorRange::contiguous(in_lo, in_hi - in_lo), OnChipBuffer::nbin}, l, 0});
      p.streams[core].push_back({Compute{ComputeOp::conv, 10}, l, 0});
      if (hi > lo) p.streams[core].push_back({Store{out, TensorRange::contiguous(lo, hi - lo), OnChipBuffer::nbout}, l, 0});
    }
    if (barriers) {
      std::vector<CoreId> all;
      for (CoreId c = 0; c < p.cores; ++c) all.push_back(c), p.streams[c].push_back({Barrier{l}, l, 0});
      p.barriers[l] = all;
    } else if (p.cores > 1) {
      for (int k = 0; k < 2; ++k) {
        const CoreId from = static_cast<CoreId>(pick(p.cores)), to = static_cast<CoreId>((from + 1 + pick(p.cores - 1)) % p.cores);
        p.streams[from].push_back({Signal{semaphore}, l, 0});
        p.streams[to].push_back({Wait{semaphore++}, l, 0});
      }
    }
  }
  return p;
}

TEST(LivenessProperties, InstructionLevelConflictsAreTopologyLevelConflictsUnderBarriers) {
  std::mt19937_64 rng(2026);
  for (int round = 0; round < 300; ++round) {
    const Program program = random_layered_program(rng, true);
    validate_program(program, "random");
    const Problem topology = topology_liveness(program, 1, "random");
    const Problem instruction = instruction_problem(program);
    EXPECT_LE(instruction.lower_bound(), topology.lower_bound()) << "round " << round;
    for (BufferId b = 0; b < instruction.buffers().size(); ++b) {
      const auto topology_conflicts = topology.conflicting_buffers(b);  // same tensors, same order
      for (BufferId other : instruction.conflicting_buffers(b))
        EXPECT_TRUE(std::binary_search(topology_conflicts.begin(), topology_conflicts.end(), other))
            << "round " << round << ": " << instruction.buffers()[b].name << " / " << instruction.buffers()[other].name;
    }
    PlannerOptions options;
    options.max_generations = 10;
    const PlanResult plan = plan_tetris(instruction, options);
    ASSERT_FALSE(validate_plan(instruction, plan.offsets).has_value());
    EXPECT_GE(plan.peak, instruction.lower_bound()) << "round " << round << ": " << instruction.lower_bound_source();
  }
}

// The worst consistent cut (cut_bound.h) and the heavier sets of pairwise conflicting pieces
// grown from it or from the pieces alive at the peak (clique_bound.h): their pieces all conflict
// with each other (the reader of a problem file checks exactly that), so the bound they give is
// valid; it is never below the interleaving's live bytes, beats it on some programs, and a
// problem file carries it.
TEST(LivenessProperties, TheWorstCutsPiecesAllConflictAndTravelWithTheProblem) {
  std::mt19937_64 rng(515);
  int from_cut = 0, grown = 0;
  for (int round = 0; round < 300; ++round) {
    const Program program = random_layered_program(rng, round % 2 == 0);
    const Problem problem = instruction_problem(program);
    EXPECT_GE(problem.lower_bound(), max_live_bytes(problem.pieces())) << "round " << round;
    if (problem.lower_bound_witness().empty()) continue;
    const std::string& source = problem.lower_bound_source();
    const bool is_grown = source.find("pairwise conflict") != std::string::npos;
    (is_grown ? grown : from_cut) += 1;
    EXPECT_TRUE(is_grown || source.find("consistent cut") != std::string::npos) << source;
    Offset bytes = 0;
    for (const PieceId p : problem.lower_bound_witness()) bytes += problem.pieces()[p].size;
    EXPECT_EQ(bytes, problem.lower_bound());
    const Problem again = read_problem(problem_to_json(problem), "cut.json");  // checks every pair
    EXPECT_EQ(again.lower_bound(), problem.lower_bound()) << "round " << round;
    PlannerOptions options;
    options.max_generations = 10;
    EXPECT_GE(plan_tetris(problem, options).peak, problem.lower_bound()) << "round " << round;
  }
  EXPECT_GE(from_cut, 2);
  EXPECT_GE(grown, 50);  // 5 and 112 of these 300 small programs
}

// Adding a semaphore pair (a sync edge) never adds a conflict; removing one never removes one.
TEST(LivenessProperties, MoreSyncNeverAddsConflicts) {
  std::mt19937_64 rng(99);
  int compared = 0;
  for (int round = 0; round < 300; ++round) {
    const Program loose = random_layered_program(rng, false);
    if (loose.cores < 2) continue;
    Program tight = loose;
    // A new edge: after some instruction of core a, before some instruction of core b.
    const CoreId a = static_cast<CoreId>(rng() % tight.cores), b = static_cast<CoreId>((a + 1) % tight.cores);
    auto& sa = tight.streams[a];
    auto& sb = tight.streams[b];
    const SemaphoreId s = 1000;
    sa.insert(sa.begin() + static_cast<std::ptrdiff_t>(rng() % (sa.size() + 1)), Instruction{Signal{s}, {}, 0});
    sb.insert(sb.begin() + static_cast<std::ptrdiff_t>(rng() % (sb.size() + 1)), Instruction{Wait{s}, {}, 0});
    Problem loose_problem, tight_problem;
    try {
      tight_problem = instruction_problem(tight, 1u << 20);
    } catch (const InputError&) {
      continue;  // the new wait deadlocks against an existing one: not a program
    }
    loose_problem = instruction_problem(loose, 1u << 20);
    ++compared;
    for (BufferId x = 0; x < loose_problem.buffers().size(); ++x)
      for (BufferId y = 0; y < loose_problem.buffers().size(); ++y) {
        if (x == y) continue;
        for (const Piece& px : tight_problem.pieces_of(x))
          for (const Piece& py : tight_problem.pieces_of(y))
            if (bytes_conflict(tight_problem, x, px.offset, y, py.offset)) {
              EXPECT_TRUE(bytes_conflict(loose_problem, x, px.offset, y, py.offset)) << "round " << round;
            }
      }
  }
  EXPECT_GT(compared, 100);
}

// Tensor-level liveness under happens-before: two blocks whose lifespans do not overlap are
// ordered, every access of the earlier before every access of the later, whatever the sync (the
// semaphore programs race); under barriers it never conflicts where layer order does not.
TEST(LivenessProperties, TensorLevelLifespansThatDoNotOverlapAreOrderedByHappensBefore) {
  std::mt19937_64 rng(31);
  int ordered_pairs = 0;
  for (int round = 0; round < 300; ++round) {
    const bool barriers = round % 2 == 0;
    const Program program = random_layered_program(rng, barriers);
    const HappensBefore hb = HappensBefore::analyze(program, "random");
    const Problem tensor = tensor_liveness(program, hb, 1, "random");
    ASSERT_TRUE(tensor.is_interval_problem());
    // The accesses of each tensor (no blocks here: buffer b is tensor b's block 0, planned ones only).
    std::vector<TensorId> tensor_of;
    for (TensorId t = 0; t < program.tensors.size(); ++t)
      if (is_planned(program.tensors[t].kind)) tensor_of.push_back(t);
    std::vector<std::vector<InstructionRef>> accesses(program.tensors.size());
    for (CoreId c = 0; c < program.cores; ++c)
      for (std::uint32_t i = 0; i < program.streams[c].size(); ++i) {
        const auto& op = program.streams[c][i].op;
        if (const auto* load = std::get_if<Load>(&op)) accesses[load->tensor].push_back({c, i});
        if (const auto* store = std::get_if<Store>(&op)) accesses[store->tensor].push_back({c, i});
      }
    const auto buffers = tensor.buffers();
    for (BufferId a = 0; a < buffers.size(); ++a)
      for (BufferId b = 0; b < buffers.size(); ++b) {
        if (a == b || buffers[a].lifespan.upper > buffers[b].lifespan.lower) continue;  // a ends before b starts
        for (const InstructionRef& x : accesses[tensor_of[a]])
          for (const InstructionRef& y : accesses[tensor_of[b]])
            ASSERT_TRUE(hb.before(x, y)) << "round " << round << ": " << buffers[a].name << " then " << buffers[b].name;
        ++ordered_pairs;
      }
    if (barriers) {
      const Problem topology = topology_liveness(program, 1, "random");
      EXPECT_LE(tensor.lower_bound(), topology.lower_bound()) << "round " << round;
      for (BufferId b = 0; b < buffers.size(); ++b) {
        const auto layer_conflicts = topology.conflicting_buffers(b);
        for (const BufferId other : tensor.conflicting_buffers(b))
          EXPECT_TRUE(std::binary_search(layer_conflicts.begin(), layer_conflicts.end(), other)) << "round " << round;
      }
    }
  }
  EXPECT_GT(ordered_pairs, 500);
}

}  // namespace
}  // namespace tetris::memmgr
