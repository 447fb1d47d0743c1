// `--schedule auto` (pipeline::lower): the program it picks simulates within the allowed
// slowdown of the layer schedule's, and it cascades where that is free (ResNet-18 on 4 cores);
// under p2p sync it keeps the layer schedule.
#include <gtest/gtest.h>

#include "pipeline/pipeline.h"

namespace tetris::pipeline {
namespace {

std::uint64_t exact_cycles(const Program& program, const MachineConfig& config) {
  const Program tensors = has_blocks(program) ? blocks_as_tensors(program) : program;
  return simulate(tensors, config, std::nullopt, "test", "naive").runs.front().cycles;
}

TEST(ScheduleChoice, AutoStaysWithinTheSlowdownOfTheLayerSchedule) {
  for (const char* model : {"resnet18", "mobilenet-v1"}) {
    const MachineConfig config = load_machine_config("cambricon-x-4core");
    workloads::LoweringOptions options;
    options.schedule = workloads::Schedule::automatic;
    options.cascade_slowdown = 0.05;
    const Lowered chosen = lower(ModelChoice{model}, config, options);
    workloads::LoweringOptions layer = options;
    layer.schedule = workloads::Schedule::layer;
    const Lowered layered = lower(ModelChoice{model}, config, layer);
    EXPECT_LE(static_cast<double>(exact_cycles(chosen.program, config)),
              1.05 * static_cast<double>(exact_cycles(layered.program, config)))
        << model;
    EXPECT_TRUE(chosen.schedule.starts_with("auto: ")) << chosen.schedule;
    if (std::string(model) == "resnet18") {
      EXPECT_EQ(chosen.options.schedule, workloads::Schedule::cascade) << chosen.schedule;
      bool rings = false;
      for (const Tensor& t : chosen.program.tensors) rings = rings || t.name.find("@core") != std::string::npos;
      EXPECT_TRUE(rings);
    }
  }
}

TEST(ScheduleChoice, AutoKeepsTheLayerScheduleUnderPointToPointSync) {
  const MachineConfig config = load_machine_config("cambricon-x-4core");
  workloads::LoweringOptions options;
  options.schedule = workloads::Schedule::automatic;
  options.sync = workloads::SyncMode::p2p;
  const Lowered chosen = lower(ModelChoice{"resnet18"}, config, options);
  EXPECT_EQ(chosen.options.schedule, workloads::Schedule::layer);
  EXPECT_EQ(chosen.schedule, "auto: layer");
}

}  // namespace
}  // namespace tetris::pipeline
