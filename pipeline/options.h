// Every option of the Tetris job and its default, in one place (like MiniMalloc's SolverParams):
// the CLI, the benchmarks and the experiment scripts take their defaults from these structs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "memmgr/instruction_liveness.h"
#include "memmgr/planner.h"
#include "workloads/lowering.h"

namespace tetris::pipeline {

// What to lower: a zoo name (workloads/models/) or a .yaml or .onnx file, and samples per
// inference. Bytes per element come from the machine config, never from the model.
struct ModelChoice {
  std::string model = "resnet50";
  std::uint64_t batch = 1;
  std::uint64_t sequence = 0;  // tokens per sequence of a transformer (YAML); 0: the model's own
  double weight_density = 1;   // nonzero weights of layers whose model file gives none
};

struct AnalysisOptions {
  // Base alignment of every planned tensor. From a model, the config's memory.alignment_bytes.
  std::uint64_t alignment = 64;
  // Instruction level: a tensor is cut into at most this many pieces. Memory and planning time
  // grow with pieces; merging pieces is conservative (memmgr/instruction_liveness.h).
  std::uint32_t max_pieces_per_tensor = memmgr::InstructionLivenessOptions{}.max_pieces_per_tensor;
  // What the instruction-level analysis may hold (0: half of physical memory; --max-memory).
  std::uint64_t max_memory_bytes = 0;
};

// Each run keeps its record (about 1 KB) for the report: more runs than this are refused.
inline constexpr std::uint64_t kMaxSimulationRuns = 100000;

struct SimulationOptions {
  // Timing perturbation: none for exact timing; with a seed, run k uses seed + k.
  std::optional<std::uint64_t> jitter_seed;
  // Runs of the same plan; without a jitter seed the first is exact and run k uses seed k.
  std::uint64_t runs = 1;
  // Keep the first run's timeline (every instruction's start and end) for sim --timeline.
  bool timeline = false;
  // What a simulation may hold (--max-memory; 0: half of physical memory): one whose estimate
  // exceeds it is refused before it starts.
  std::uint64_t max_memory_bytes = 0;
};

// The whole job (`tetris run`): lower, analyse, plan with every planner, simulate, report.
struct JobOptions {
  ModelChoice model;
  // Fusion on, barrier sync, rows partition (workloads/lowering.h says why).
  workloads::LoweringOptions lowering;
  // max_pieces_per_tensor; the alignment is the machine's.
  AnalysisOptions analysis;
  // Seed 1, at most 2000 generations or 10 s, 2 threads (memmgr/planner.h). With the default
  // time limit a run is reproducible only while 2000 generations take less than 10 s.
  memmgr::PlannerOptions search;
  // How the run was asked for and by which build, for the report's provenance (the CLI's words;
  // empty when a library caller has none).
  std::string command_line;
  std::string tool_version;
  // When it ran (UTC, ISO 8601), like plan_seconds a field that differs between identical runs.
  std::string date;
  // The memory the plan may take (bytes): the fastest schedule whose Tetris plan fits is run
  // (pipeline::choose_schedule); none set: the schedule in `lowering`.
  std::optional<std::uint64_t> memory_budget;
};

}  // namespace tetris::pipeline
