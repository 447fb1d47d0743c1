#include "sim/address_map.h"

#include <gtest/gtest.h>

#include "common/input_error.h"
#include "common/trace_io.h"
#include "sim_test_util.h"

namespace tetris::sim {
namespace {

const char* kTrace = R"(tetris-trace 1
cores 1
element_bytes 2
tensor 0 in 100 input -
tensor 1 w1 1000 weight -
tensor 2 act 64 activation -
tensor 3 w2 10 weight -
tensor 4 out 1 output -
)";

TEST(AddressMap, NaivePlanStacksPlannedTensorsAlignedAndWeightsAbove) {
  const Program program = read_trace(kTrace, "t");
  const AddressMap map = AddressMap::naive(program, fixtures::machine(1), "t");
  EXPECT_EQ(map.base(0), 0u);
  EXPECT_EQ(map.base(2), 128u);  // 100 aligned up to 64
  EXPECT_EQ(map.base(4), 192u);
  EXPECT_EQ(map.activation_end(), 193u);
  EXPECT_EQ(map.weight_begin(), 256u);
  EXPECT_EQ(map.base(1), 256u);
  EXPECT_EQ(map.base(3), 256u + 1024u);
  EXPECT_EQ(map.end(), 256u + 1024u + 64u);
}

TEST(AddressMap, PlanGivesBasesAndWeightsGoAboveItsPeak) {
  const Program program = read_trace(kTrace, "t");
  PlanFile plan = fixtures::plan({{"out", 0}, {"act", 0}, {"in", 64}});
  plan.peak_bytes = 300;
  const AddressMap map = AddressMap::from_plan(program, fixtures::machine(1), plan, "p.yaml");
  EXPECT_EQ(map.base(0), 64u);
  EXPECT_EQ(map.base(2), 0u);
  EXPECT_EQ(map.base(4), 0u);
  EXPECT_EQ(map.activation_end(), 164u);
  EXPECT_EQ(map.base(1), 320u);
  EXPECT_EQ(map.source(), "p.yaml");
}

void expect_error(const std::function<void()>& f, const std::string& text) {
  try {
    f();
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

TEST(AddressMap, APeakHeaderIsTrustedOnlyAsARoundingOfWhatTheOffsetsReach) {
  const Program program = read_trace(kTrace, "t");
  PlanFile plan = fixtures::plan({{"out", 0}, {"act", 0}, {"in", 64}});  // reaches 164
  plan.peak_bytes = 9223372036854775808u;  // once moved the weights to 2^63 (refused as over capacity)
  expect_error([&] { AddressMap::from_plan(program, fixtures::machine(1), plan, "p.yaml"); },
               "peak_bytes 9223372036854775808 in the header, but the offsets reach 164");
  plan.peak_bytes = 100;  // less than the plan uses
  expect_error([&] { AddressMap::from_plan(program, fixtures::machine(1), plan, "p.yaml"); },
               "peak_bytes 100 in the header, but the offsets reach 164");
  plan.peak_bytes = 0;
  EXPECT_EQ(AddressMap::from_plan(program, fixtures::machine(1), plan, "p.yaml").weight_begin(), 192u);
}

TEST(AddressMap, RefusesPlansThatDoNotMatchTheTrace) {
  const Program program = read_trace(kTrace, "t");
  const MachineConfig config = fixtures::machine(1);
  expect_error([&] { AddressMap::from_plan(program, config, fixtures::plan({{"in", 0}, {"act", 128}}), "p.yaml"); },
               "p.yaml: the plan has no offset for tensor 'out'");
  expect_error(
      [&] {
        AddressMap::from_plan(program, config, fixtures::plan({{"in", 0}, {"act", 128}, {"out", 0}, {"ghost", 0}}),
                              "p.yaml");
      },
      "p.yaml: the plan names buffer 'ghost', which the trace does not have");
  expect_error(
      [&] {
        AddressMap::from_plan(program, config, fixtures::plan({{"in", 0}, {"act", 128}, {"out", 0}, {"w1", 0}}),
                              "p.yaml");
      },
      "weights are not planned");
  expect_error(
      [&] {
        AddressMap::from_plan(program, config,
                              fixtures::plan({{"in", 0}, {"act", 128}, {"out", std::uint64_t{1} << 40}}), "p.yaml");
      },
      "the machine's arena is 1073740736 bytes (memory.capacity_bytes 1073741824 minus 1088 bytes of weights)");
}

// One capacity rule: the arena is what the memory leaves beside the aligned weights; a plan fits
// when its footprint is at most that, and never above its own capacity_bytes.
TEST(AddressMap, APlanFitsExactlyUpToTheArenaTheWeightsLeave) {
  const Program program = read_trace(kTrace, "t");
  MachineConfig config = fixtures::machine(1);
  EXPECT_EQ(weight_bytes(program, config), 1024u + 64u);
  config.memory.capacity_bytes = 1088 + 256 + 63;  // rounded down to the 64-byte alignment: 256
  ASSERT_EQ(arena_capacity(program, config), std::optional<std::uint64_t>(256));
  const AddressMap fits =
      AddressMap::from_plan(program, config, fixtures::plan({{"in", 0}, {"act", 192}, {"out", 128}}), "p.yaml");
  EXPECT_EQ(fits.activation_end(), 256u);
  EXPECT_LE(fits.end(), config.memory.capacity_bytes);
  expect_error(
      [&] { AddressMap::from_plan(program, config, fixtures::plan({{"in", 0}, {"act", 192}, {"out", 256}}), "p.yaml"); },
      "p.yaml: the plan needs 257 bytes; the machine's arena is 256 bytes");
  PlanFile own = fixtures::plan({{"in", 0}, {"act", 192}, {"out", 128}});
  own.capacity_bytes = 200;
  expect_error([&] { AddressMap::from_plan(program, config, own, "p.yaml"); },
               "the plan's footprint (256 bytes) exceeds its own capacity_bytes (200)");
  config.memory.capacity_bytes = 1000;
  EXPECT_FALSE(arena_capacity(program, config));
  expect_error([&] { AddressMap::naive(program, config, "t"); }, "the weights alone");
}

}  // namespace
}  // namespace tetris::sim
