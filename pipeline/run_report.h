// The report of `tetris run`: one row per plan (planner x liveness level) with footprint,
// reductions, bound ratio, plan time and simulated conflicts; rendered as a table, JSON, CSV, HTML.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tetris::pipeline {

struct PlanRow {
  std::string planner;
  std::string level;  // "instruction" or "topology": which liveness the plan was made on
  std::uint64_t peak_bytes = 0;
  double plan_seconds = 0;
  std::optional<std::uint64_t> conflicts;  // when simulated (reads of clobbered or unwritten bytes)
  bool deadlock = false;                   // when simulated
  std::optional<std::uint64_t> cycles;
  std::optional<std::uint64_t> generations;  // search planners: how far the search went
  bool time_limited = false;  // the time limit cut the search: the plan depends on machine speed
  std::string svg;  // the plan drawn, for the HTML page
  // Bytes by which the plan overflows the machine's arena (sim::arena_capacity): such a plan does
  // not fit, is not simulated and is never compared.
  std::optional<std::uint64_t> over_arena{};

  // Simulated without a conflict or deadlock: only such plans are compared with others.
  bool safe() const { return conflicts && *conflicts == 0 && !deadlock; }
};

// A tensor's bytes among those live together at the instruction-level bound (its blocks summed).
struct PeakTensor {
  std::string name;
  std::uint64_t bytes = 0;
};

// One schedule `--memory-budget` tried: its Tetris plan and its cycles with the naive plan.
struct ScheduleTried {
  std::string schedule;
  std::uint64_t plan_bytes = 0, cycles = 0;
  bool fits = false, chosen = false;
};

struct RunReport {
  std::string model, config, sync, partition;
  std::uint64_t cores = 0, instructions = 0, tensors = 0, pieces = 0;
  std::uint64_t topology_bound = 0, instruction_bound = 0;
  // What makes the peak: the tensors whose pieces are live together at the instruction-level
  // bound (its witness: the worst consistent cut, or else the moment of most live bytes), largest first.
  std::vector<PeakTensor> peak_tensors;
  std::uint64_t seed = 0;
  std::uint64_t arena_bytes = 0;  // the machine's arena: memory.capacity_bytes minus the weights
  std::vector<PlanRow> rows;
  // How the run was made, as (key, value) in a fixed order: command line, version, model and
  // batch, the machine's effective values (keys set by -p marked), lowering and search options,
  // and the date (which, like plan_seconds, differs between identical runs).
  std::vector<std::pair<std::string, std::string>> provenance;
  std::string bus_svg;  // the memory bus's busy share over the Tetris plan's run (bus_chart.h)
  // With --memory-budget: the footprint-cycles trade-off of the schedules tried, in order.
  std::vector<ScheduleTried> schedules;
  std::uint64_t memory_budget = 0;

  const PlanRow* find(std::string_view planner, std::string_view level) const;
  std::string table() const;
  std::string json() const;
  std::string csv() const;
  std::string html() const;
};

}  // namespace tetris::pipeline
