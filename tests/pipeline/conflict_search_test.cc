// Conflicts found by stretches (the default) equal the conflicts found piece pair by piece pair
// (the definition) on every zoo model lowered onto 4 and 16 cores under both sync modes, with
// the bounds and the problem's every other part unchanged.
#include <gtest/gtest.h>

#include <algorithm>

#include <fmt/format.h>

#include "memmgr/happens_before.h"
#include "memmgr/instruction_liveness.h"
#include "pipeline/pipeline.h"

namespace tetris::pipeline {
namespace {

using Search = memmgr::InstructionLivenessOptions::ConflictSearch;

void expect_same_problem(const memmgr::Problem& a, const memmgr::Problem& b, const std::string& cell) {
  ASSERT_EQ(a.buffers().size(), b.buffers().size()) << cell;
  ASSERT_EQ(a.pieces().size(), b.pieces().size()) << cell;
  for (memmgr::PieceId p = 0; p < a.pieces().size(); ++p) {
    ASSERT_EQ(a.pieces()[p].offset, b.pieces()[p].offset) << cell;
    ASSERT_TRUE(std::ranges::equal(a.conflict_runs(p), b.conflict_runs(p))) << cell << " piece " << p;
  }
  EXPECT_EQ(a.conflict_count(), b.conflict_count()) << cell;
  EXPECT_EQ(a.lower_bound(), b.lower_bound()) << cell;
  EXPECT_EQ(a.lower_bound_source(), b.lower_bound_source()) << cell;
}

TEST(ConflictSearch, BlocksEqualPiecePairsOnEveryZooProblem) {
  int compared = 0;
  for (const char* config_name : {"cambricon-x-4core", "cambricon-x-16core"})
    for (const char* model : {"alexnet", "vgg16", "resnet18", "resnet50", "googlenet", "mobilenet-v1", "mobilenet-v2",
                              "squeezenet-v1.1"})
      for (const auto sync : {workloads::SyncMode::barrier, workloads::SyncMode::p2p}) {
        const std::string cell = fmt::format("{} {} {}", model, config_name, workloads::to_string(sync));
        const MachineConfig config = load_machine_config(config_name);
        workloads::LoweringOptions lowering;
        lowering.sync = sync;
        // Bands: tiles make the p2p cells too big pair by pair, and the test too slow under ASan.
        lowering.blocks = workloads::BlockMode::band;
        const Program program = lower({.model = model, .batch = 1}, config, lowering).program;
        const memmgr::HappensBefore hb = memmgr::HappensBefore::analyze(program, model);
        memmgr::InstructionLivenessOptions options;
        options.alignment = config.memory.alignment_bytes;
        const memmgr::Problem blocks = memmgr::instruction_liveness(program, hb, options, model);
        options.conflict_search = Search::pairwise;
        // Pair by pair VGG-16 p2p on 4 and 16 cores and ResNet-50 on 16 cores p2p (38-93 M pairs)
        // stage more runs than a problem may hold by default (2^25): the very cost the blocks
        // remove. The reference may hold more.
        options.max_conflict_records = std::uint64_t{1} << 28;
        // A budget that leaves those records whatever this machine's memory (they take about
        // 1.2 GB here: the budget is an estimate's ceiling, not an allocation).
        options.max_memory_bytes = options.max_conflict_records * 96;
        const memmgr::Problem pairwise = memmgr::instruction_liveness(program, hb, options, model);
        expect_same_problem(blocks, pairwise, cell);
        ++compared;
      }
  EXPECT_EQ(compared, 32);
}

}  // namespace
}  // namespace tetris::pipeline
