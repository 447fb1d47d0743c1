// `--schedule auto` (pipeline::lower): the program it picks simulates, with its Tetris plan,
// within the allowed slowdown of the layer schedule's, and it cascades where that is free
// (ResNet-18 on 4 cores); under p2p sync the same, against the p2p layer schedule.
#include <gtest/gtest.h>

#include <algorithm>

#include "common/input_error.h"
#include "pipeline/pipeline.h"

namespace tetris::pipeline {
namespace {

// Short searches: each candidate schedule is planned, and these tests run under ASan too.
// A time limit that never bites, so each plan (and so each candidate's cycles) is the same every
// time it is made, on any machine.
ScheduleTiming quick_timing() {
  ScheduleTiming timing;
  timing.search.max_generations = 50;
  timing.search.time_limit_seconds = 3600;
  return timing;
}

std::uint64_t exact_cycles(const Program& program, const MachineConfig& config) {
  return planned_cycles(program, config, quick_timing(), "test");
}

TEST(ScheduleChoice, AutoStaysWithinTheSlowdownOfTheLayerSchedule) {
  for (const char* model : {"resnet18", "mobilenet-v1"}) {
    const MachineConfig config = load_machine_config("cambricon-x-4core");
    workloads::LoweringOptions options;
    options.schedule = workloads::Schedule::automatic;
    options.cascade_slowdown = 0.05;
    const Lowered chosen = lower(ModelChoice{model}, config, options, quick_timing());
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

// Under p2p sync the choice is made the same way, against the p2p layer schedule.
TEST(ScheduleChoice, AutoUnderPointToPointSyncStaysWithinTheSlowdownToo) {
  const MachineConfig config = load_machine_config("cambricon-x-4core");
  workloads::LoweringOptions options;
  options.schedule = workloads::Schedule::automatic;
  options.sync = workloads::SyncMode::p2p;
  options.cascade_slowdown = 0.05;
  const Lowered chosen = lower(ModelChoice{"resnet18"}, config, options, quick_timing());
  workloads::LoweringOptions layer = options;
  layer.schedule = workloads::Schedule::layer;
  const Lowered layered = lower(ModelChoice{"resnet18"}, config, layer);
  EXPECT_EQ(chosen.options.schedule, workloads::Schedule::cascade) << chosen.schedule;
  EXPECT_LE(static_cast<double>(exact_cycles(chosen.program, config)),
            1.05 * static_cast<double>(exact_cycles(layered.program, config)));
  bool rings = false;
  for (const Tensor& t : chosen.program.tensors) rings = rings || t.name.find("@core") != std::string::npos;
  EXPECT_TRUE(rings);
}

// What `run` reports for an auto run is what the choice measured: the chosen program simulated
// with its Tetris plan, as planned_cycles times each candidate.
TEST(ScheduleChoice, AnAutoRunReportsTheCyclesItsChoiceMeasured) {
  const MachineConfig config = load_machine_config("cambricon-x-4core");
  JobOptions job;
  job.model.model = "squeezenet-v1.1";
  job.lowering.schedule = workloads::Schedule::automatic;
  job.lowering.cascade_slowdown = 0.05;
  job.search = quick_timing().search;
  const Job run = run_job(config, job, "auto");
  EXPECT_EQ(run.lowered.options.schedule, workloads::Schedule::cascade) << run.lowered.schedule;
  const auto row = std::find_if(run.report.rows.begin(), run.report.rows.end(),
                                [](const PlanRow& r) { return r.planner == "tetris" && r.level == "instruction"; });
  ASSERT_NE(row, run.report.rows.end());
  ASSERT_TRUE(row->cycles.has_value());
  EXPECT_EQ(*row->cycles, planned_cycles(run.lowered.program, config, {job.analysis, job.search}, "test"));
}

JobOptions budget_job() {
  JobOptions job;
  job.model.model = "resnet18";
  job.search.max_generations = 100;
  return job;
}

// A budget between the layer plan and the smallest cascade plan takes the fastest cascade whose
// plan fits, and a run under it reports that plan (the layer schedule, the fastest, is what a
// budget every plan fits would take); one below every plan is refused naming the flag and the
// bytes it misses by.
TEST(ScheduleChoice, AMemoryBudgetTakesTheFastestScheduleThatFits) {
  const MachineConfig config = load_machine_config("cambricon-x-4core");
  const JobOptions job = budget_job();
  // The layer schedule's bound is 1.54 MiB (1.61 MB): no layer plan fits; cascade plans take about
  // 1.1 MB. A run under that budget takes a cascade, and reports the plan and cycles its choice
  // measured for it (the same plan, taken from the choice).
  const std::uint64_t budget = 1300000;
  JobOptions tight = job;
  tight.memory_budget = budget;
  const Job run = run_job(config, tight, "budget");
  EXPECT_EQ(run.lowered.options.schedule, workloads::Schedule::cascade) << run.lowered.schedule;
  const std::vector<ScheduleTried>& tried = run.report.schedules;
  const auto chosen = std::find_if(tried.begin(), tried.end(), [](const auto& x) { return x.chosen; });
  ASSERT_NE(chosen, tried.end());
  // The layer schedule is the fastest of all, so a budget every plan fits would take it.
  ASSERT_GE(tried.size(), 2u);
  EXPECT_EQ(tried[0].schedule, "layer");
  EXPECT_FALSE(tried[0].fits);
  for (const ScheduleTried& t : tried) EXPECT_GE(t.cycles, tried[0].cycles) << t.schedule;
  for (const ScheduleTried& t : tried) {
    EXPECT_EQ(t.fits, t.plan_bytes <= budget) << t.schedule;
    if (t.fits) {
      EXPECT_GE(t.cycles, chosen->cycles) << t.schedule;
    }
  }
  const auto row = std::find_if(run.report.rows.begin(), run.report.rows.end(),
                                [](const PlanRow& r) { return r.planner == "tetris" && r.level == "instruction"; });
  ASSERT_NE(row, run.report.rows.end());
  EXPECT_EQ(row->peak_bytes, chosen->plan_bytes);
  EXPECT_LE(row->peak_bytes, budget);
  ASSERT_TRUE(row->cycles.has_value());
  EXPECT_EQ(*row->cycles, chosen->cycles);
  try {
    choose_schedule(config, job, 100000);
    FAIL() << "a budget below every plan was accepted";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("--memory-budget"), std::string::npos) << message;
    EXPECT_NE(message.find("over"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace tetris::pipeline
