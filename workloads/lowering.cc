#include "workloads/lowering.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/input_error.h"
#include "workloads/cascade.h"
#include "workloads/multicast_groups.h"
#include "workloads/stream_emitter.h"
#include "workloads/sync_plan.h"
#include "workloads/work_items.h"

// Three stages (and blocks, blocks.h, and multicast groups, multicast_groups.h) with plain values between them: work items (work_items.h), the p2p sync plan
// (sync_plan.h), and one stream per core (stream_emitter.h).
namespace tetris::workloads {

std::string_view to_string(SyncMode mode) { return mode == SyncMode::barrier ? "barrier" : "p2p"; }
std::string_view to_string(PartitionMode mode) {
  switch (mode) {
    case PartitionMode::rows: return "rows";
    case PartitionMode::channels: return "channels";
    case PartitionMode::automatic: return "auto";
  }
  return "?";
}

std::string_view to_string(Schedule schedule) {
  switch (schedule) {
    case Schedule::layer: return "layer";
    case Schedule::cascade: return "cascade";
    case Schedule::automatic: return "auto";
  }
  return "?";
}

std::optional<Schedule> parse_schedule(std::string_view text) {
  if (text == "layer") return Schedule::layer;
  if (text == "cascade") return Schedule::cascade;
  if (text == "auto") return Schedule::automatic;
  return std::nullopt;
}

std::string_view fusion_label(const LoweringOptions& options) {
  if (!options.fuse) return "off";
  return options.fuse_residual ? "on+residual" : "on";
}

std::optional<SyncMode> parse_sync_mode(std::string_view text) {
  if (text == "barrier") return SyncMode::barrier;
  if (text == "p2p") return SyncMode::p2p;
  return std::nullopt;
}

std::optional<PartitionMode> parse_partition_mode(std::string_view text) {
  if (text == "rows") return PartitionMode::rows;
  if (text == "channels") return PartitionMode::channels;
  if (text == "auto") return PartitionMode::automatic;
  return std::nullopt;
}

namespace {

Program lower_streams(const Model& model, const MachineConfig& config, const LoweringOptions& options) {
  if (options.schedule == Schedule::layer) return emit_program(model, build_work_items(model, config, options), {}, options);
  // Cascades walk row bands of all channels: the chains are found among the layers cut into
  // rows; the layers left outside every chain keep the partition asked for (the tensors are the
  // same in both builds, as they do not depend on the partition).
  LoweringOptions rows = options;
  rows.partition = PartitionMode::rows;
  WorkPlan work = build_work_items(model, config, rows);
  CascadeCosts costs = CascadeCosts::of(config);
  costs.slowdown = options.cascade_slowdown;
  if (options.partition == PartitionMode::rows) return emit_program(model, work, plan_cascades(work, costs), options);
  WorkPlan own = build_work_items(model, config, options);
  const CascadePlan cascades = plan_cascades(work, costs, &own);
  for (std::uint32_t s = 0; s < work.items.size(); ++s)
    if (cascades.segment_of_step[s] < 0) work.items[s] = std::move(own.items[s]);
  return emit_program(model, work, cascades, options);
}

}  // namespace

Program lower(const Model& model, const MachineConfig& config, const LoweringOptions& options) {
  if (config.cores == 0 || config.cores > 65536)
    throw InputError({config.source}, fmt::format("cannot lower onto {} cores", config.cores));
  Program program = lower_streams(model, config, options);
  // Only a memory that multicasts reads a group once; elsewhere groups would only tie the cores
  // together.
  if (config.multicasts()) group_multicast_loads(program);
  return program;
}

Program emit_program(const Model& model, const WorkPlan& work, const CascadePlan& cascades,
                     const LoweringOptions& options) {
  const SyncPlan sync = plan_sync(work, options.sync, cascades);
  Program program;
  program.cores = work.cores;
  program.element_bytes = work.element_bytes;
  program.layers = work.layers;
  program.tensors = work.tensors;
  std::uint64_t instructions = 0;
  for (CoreId c = 0; c < work.cores; ++c) {
    program.streams.push_back(emit_stream(work, sync, options.sync, c, cascades));
    instructions += program.streams.back().size();
    // Cores get near-equal shares: the first one's, times the cores, tells early.
    const std::uint64_t expected = std::max<std::uint64_t>(instructions, program.streams[0].size() * work.cores);
    if (expected > kMaxTraceInstructions)
      throw InputError({"--batch"},
                       fmt::format("{} at batch {} on {} cores makes about {} instructions, more than the {} (2^24, "
                                   "about 1.5 GB) a trace may have: lower a smaller batch",
                                   model.name, model.options.batch, work.cores, expected, kMaxTraceInstructions));
  }
  if (options.sync == SyncMode::barrier) {
    const auto steps = work.barrier_steps();
    std::vector<CoreId> all(work.cores);
    for (CoreId c = 0; c < work.cores; ++c) all[c] = c;
    for (std::size_t id = 0; id < steps.size(); ++id) program.barriers.emplace(static_cast<BarrierId>(id), all);
  }
  // Under barrier sync an input cut load by load brought every zoo plan within 1.016 x its bound
  // (AlexNet / 16 cores from 1.131, ResNet-18 / 16 from 1.070); under p2p the finer blocks left
  // the search stuck on some (AlexNet / 4 cores 1.054 -> 1.383 x), so p2p keeps the readers' cuts
  // (docs/lowering.md, "Blocks").
  cut_into_blocks(program, options.blocks, touched_tensors(work, cascades),
                  options.sync == SyncMode::barrier ? InputCuts::by_load : InputCuts::by_reader,
                  options.sync == SyncMode::barrier ? ReadAcross::keep_whole : ReadAcross::cut);
  return program;
}

}  // namespace tetris::workloads
