// Cascades (--schedule cascade): the segments a chain of layers makes, the rows each core's ring
// holds (by hand on a two-layer chain, and for a ring two steps read), and, on every zoo CNN,
// that the cascaded program is sound:
// with each ring as tall as its tensor, loads read only bytes stored before them (no race), no
// byte is stored twice, tiles fit, and no load reads a row its real ring would already have
// overwritten; under p2p sync too, where a core waits only for what a segment reads from outside.
#include "workloads/cascade.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>

#include "common/input_error.h"
#include "workloads/builtin_models.h"
#include "workloads/lowering.h"
#include "workloads/model_loader.h"
#include "workloads/model_yaml.h"
#include "tests/support/program_checks.h"

namespace tetris::workloads {
namespace {

using test_support::find_buffer_overflow;
using test_support::find_race;

MachineConfig shipped_machine(std::uint32_t cores) { return load_machine_config(fmt::format("cambricon-x-{}core", cores)); }

LoweringOptions cascade_options(double slowdown = 0.10) {
  LoweringOptions options;
  options.schedule = Schedule::cascade;
  options.partition = PartitionMode::rows;
  options.cascade_slowdown = slowdown;
  return options;
}

// Costs that let any segment through: the hand-computed cases test the mechanism on a model too
// small for a cascade to pay for its strips' latency.
CascadeCosts unbounded(const MachineConfig& config) {
  CascadeCosts costs = CascadeCosts::of(config);
  costs.slowdown = 1e6;
  return costs;
}

std::uint64_t conv_macs(const Program& p) {
  std::uint64_t macs = 0;
  for (const auto& stream : p.streams)
    for (const Instruction& i : stream)
      if (const auto* c = std::get_if<Compute>(&i.op); c && c->op == ComputeOp::conv) macs += c->work;
  return macs;
}

// A 1x1 convolution widening 8 channels to 32 over 32 x 32 pixels, then a 3x3 max pooling with
// stride 2: the wide tensor between them is the one a cascade keeps in a ring.
const char* kChain = R"(name: chain
input: {shape: [8, 32, 32]}
layers:
  - {name: wide, op: conv, out: 32, kernel: 1}
  - {name: pool, op: max_pool, kernel: 3, stride: 2}
)";

// The segments plan_cascades makes of a model (YAML) on one core with any slowdown allowed, and
// the work plan it rewrote.
struct OneCoreCascade {
  WorkPlan work;
  CascadePlan plan;
};
OneCoreCascade cascade_on_one_core(const char* yaml, const char* file) {
  const Model model = parse_model_yaml(yaml, file, {1, 2});
  OneCoreCascade c{build_work_items(model, shipped_machine(1), cascade_options()), {}};
  c.plan = plan_cascades(c.work, unbounded(shipped_machine(1)));
  return c;
}

// One core, strips of one pooled row: pooled row r reads wide rows 2r..2r+2, and when it runs,
// wide has computed up to row 2r+2: three rows, 3 x 32 x 32 x 2 bytes.
TEST(Cascade, AChainKeepsThreeRowsOfItsInnerTensor) {
  const auto [work, plan] = cascade_on_one_core(kChain, "chain.yaml");
  ASSERT_EQ(plan.segments.size(), 1u);
  const CascadeSegment& s = plan.segments[0];
  EXPECT_EQ(s.first, 0u);
  EXPECT_EQ(s.last, 1u);
  ASSERT_EQ(s.rings.size(), 1u);
  EXPECT_EQ(s.rings[0][0].ring_rows, 3u);
  EXPECT_EQ(work.tensors[s.rings[0][0].tensor].bytes, 3u * 32 * 32 * 2);
  EXPECT_EQ(work.tensors[s.rings[0][0].tensor].name, "wide@core0");
  EXPECT_TRUE(work.joins_next[0]);
  // The walk: pooled row 0 needs wide rows 0-2, each later pooled row two new ones.
  std::vector<std::pair<std::uint32_t, std::uint64_t>> pieces;
  walk_segment(work, s, 0, [&](const CascadeWork& w) { pieces.push_back({w.step, w.hi - w.lo}); });
  ASSERT_EQ(pieces.size(), 15u + 15u);
  EXPECT_EQ(pieces[0], std::make_pair(0u, std::uint64_t{3}));
  EXPECT_EQ(pieces[1], std::make_pair(1u, std::uint64_t{1}));
  EXPECT_EQ(pieces[2], std::make_pair(0u, std::uint64_t{2}));
  // Strips of two pooled rows read wide rows 2r..2r+4: five rows at once.
  CascadeSegment taller = s;
  taller.strip_rows = 2;
  EXPECT_EQ(ring_rows(work, taller, 0), std::vector<std::uint64_t>{5});
}

// Four cores take pooled rows 0-2, 3-6, 7-10 and 11-14, which read wide rows 0-6, 6-14, 14-22
// and 22-30: 34 rows of 32 x 32 x 8 MACs where the layer-by-layer program computes all 32 (rows
// 6, 14 and 22 are computed by two cores, each into its own ring; row 31, which no window
// reads, by none). No barrier separates the two layers.
TEST(Cascade, NeighboursComputeTheHaloRowsEachInItsOwnRing) {
  const Model model = parse_model_yaml(kChain, "chain.yaml", {1, 2});
  const MachineConfig config = shipped_machine(4);
  const Program layered = lower(model, config, {true, SyncMode::barrier, PartitionMode::rows});
  const Program cascaded = lower(model, config, cascade_options(1e6));
  ASSERT_NO_THROW(validate_program(cascaded, "cascaded"));
  EXPECT_EQ(find_buffer_overflow(cascaded, config.core), std::nullopt);
  EXPECT_EQ(conv_macs(layered), 32u * 32 * 32 * 8);
  EXPECT_EQ(conv_macs(cascaded), 34u * 32 * 32 * 8);
  std::size_t rings = 0;
  for (const Tensor& t : cascaded.tensors) rings += t.name.starts_with("wide@core");
  EXPECT_EQ(rings, 4u);
  for (const auto& stream : cascaded.streams)
    for (const Instruction& i : stream) EXPECT_FALSE(std::holds_alternative<Barrier>(i.op));
}

// The slowdown a segment may cost is the trade of cycles for memory: on MobileNet-v2 / 16 cores
// each larger allowance cascades at least as many steps, and an unbounded one more than none.
TEST(Cascade, ALargerSlowdownCascadesAtLeastAsManySteps) {
  const MachineConfig config = shipped_machine(16);
  const Model model = load_model("mobilenet-v2", {1, 2});
  std::vector<std::size_t> inner;
  for (const double slowdown : {0.0, 0.1, 0.5, 1e6}) {
    WorkPlan work = build_work_items(model, config, cascade_options());
    CascadeCosts costs = CascadeCosts::of(config);
    costs.slowdown = slowdown;
    plan_cascades(work, costs);
    inner.push_back(static_cast<std::size_t>(std::count(work.joins_next.begin(), work.joins_next.end(), true)));
  }
  for (std::size_t i = 1; i < inner.size(); ++i) EXPECT_GE(inner[i], inner[i - 1]) << i;
  EXPECT_GT(inner.back(), inner.front());
}

// A residual block on 4 cores, 16 rows each. The stem's output is read by `a` and by `proj`; the
// search keeps it whole (a ring for it would cost more than it saves) and makes the segments
// a -> b (its wide inner tensor in rings) and proj -> sum. Under p2p sync a core
// waits only for the writers of what a segment reads from outside it: core 1 computes b rows
// 16-31, so a rows 15-32, and reads stem rows 14-33 (cores 0 and 2 wrote rows 14-15 and 32-33),
// one wait each; run layer by layer it reads stem rows 15-32 for a, and waits again for a's rows
// 15 and 32 for b. No barrier anywhere (ZooCascade checks p2p programs for races).
const char* kResidual = R"(name: residual
input: {shape: [4, 64, 64]}
layers:
  - {name: stem, op: conv, out: 4, kernel: 3, pad: 1}
  - {name: a, op: conv, out: 32, kernel: 3, pad: 1}
  - {name: b, op: conv, out: 4, kernel: 3, pad: 1}
  - {name: proj, op: conv, input: stem, out: 4, kernel: 1}
  - {name: sum, op: add, inputs: [b, proj]}
)";

// Per semaphore, the waits in `core`'s stream.
std::map<SemaphoreId, int> waits_of(const Program& program, CoreId core) {
  std::map<SemaphoreId, int> waits;
  for (const Instruction& i : program.streams[core])
    if (const auto* w = std::get_if<Wait>(&i.op)) ++waits[w->semaphore];
  return waits;
}

// The rows [first, last) of tensor `name` (rows of `row_bytes`) that `core` loads.
std::pair<std::uint64_t, std::uint64_t> rows_loaded(const Program& program, CoreId core, const std::string& name,
                                                    std::uint64_t row_bytes) {
  std::uint64_t first = ~std::uint64_t{0}, last = 0;
  for (const Instruction& i : program.streams[core])
    if (const auto* l = std::get_if<Load>(&i.op); l && program.tensors[l->tensor].name == name) {
      first = std::min(first, l->range.offset / row_bytes);
      last = std::max(last, (l->range.end() - 1) / row_bytes + 1);
    }
  return {first, last};
}

TEST(Cascade, UnderPointToPointSyncWaitsOnlyForWhatASegmentReadsFromOutside) {
  const Model model = parse_model_yaml(kResidual, "residual.yaml", {1, 2});
  LoweringOptions options = cascade_options(1e6);
  options.sync = SyncMode::p2p;
  const Program cascaded = lower(model, shipped_machine(4), options);
  std::size_t rings = 0;
  for (const Tensor& t : cascaded.tensors) rings += t.name.starts_with("a@core");
  ASSERT_EQ(rings, 4u);
  LoweringOptions layer = options;
  layer.schedule = Schedule::layer;
  const Program layered = lower(model, shipped_machine(4), layer);
  const auto from = [](CoreId writer) { return static_cast<SemaphoreId>(writer * 4 + 1); };
  EXPECT_EQ(waits_of(cascaded, 1), (std::map<SemaphoreId, int>{{from(0), 1}, {from(2), 1}}));
  EXPECT_EQ(waits_of(layered, 1), (std::map<SemaphoreId, int>{{from(0), 2}, {from(2), 2}}));
  const std::uint64_t stem_row = 64 * 4 * 2;
  EXPECT_EQ(rows_loaded(cascaded, 1, "stem", stem_row), std::make_pair(std::uint64_t{14}, std::uint64_t{34}));
  EXPECT_EQ(rows_loaded(layered, 1, "stem", stem_row), std::make_pair(std::uint64_t{15}, std::uint64_t{33}));
  for (const auto& stream : cascaded.streams)
    for (const Instruction& i : stream) EXPECT_FALSE(std::holds_alternative<Barrier>(i.op));
}

void expect_sound(const Model& model, const MachineConfig& config, const LoweringOptions& options);

// A ring read by two steps: stem's output is read by a (3x3) and, three steps later, by the add.
// On one core in one-row strips, the add's row r reads c row r (computed last, so c's ring holds
// 1 row) and stem row r; c row r reads b rows r-1..r+1, b row r+1 reads a rows r..r+2, and a row
// r+2 reads stem rows r+1..r+3: when the add reads stem row r, stem rows up to r+3 are computed,
// so stem's ring holds 4 rows (3 would do for a alone); a's and b's hold 3. The whole chain is
// one segment: stem widens the input fourfold, so stem alone (input + stem) would be the peak of
// any split.
const char* kTwoReaders = R"(name: two_readers
input: {shape: [4, 32, 256]}
layers:
  - {name: stem, op: conv, out: 16, kernel: 1, bias: false}
  - {name: a, op: conv, out: 16, kernel: 3, pad: 1, bias: false}
  - {name: b, op: conv, out: 16, kernel: 3, pad: 1, bias: false}
  - {name: c, op: conv, out: 16, kernel: 3, pad: 1, bias: false}
  - {name: sum, op: add, inputs: [c, stem]}
)";

TEST(Cascade, ARingReadByTwoStepsHoldsTheRowsOfTheLaterReader) {
  const auto [work, plan] = cascade_on_one_core(kTwoReaders, "two_readers.yaml");
  ASSERT_EQ(plan.segments.size(), 1u);
  const CascadeSegment& s = plan.segments[0];
  EXPECT_EQ(s.first, 0u);
  EXPECT_EQ(s.last, 4u);
  EXPECT_EQ(s.strip_rows, 1u);
  using Inputs = std::vector<std::pair<std::uint32_t, std::uint32_t>>;
  EXPECT_EQ(s.ring_inputs[1], (Inputs{{0, 0}}));          // a reads stem
  EXPECT_EQ(s.ring_inputs[4], (Inputs{{0, 3}, {1, 0}}));  // the add reads c and stem
  EXPECT_EQ(ring_rows(work, s, 0), (std::vector<std::uint64_t>{4, 3, 3, 1}));
  EXPECT_EQ(work.tensors[s.rings[0][0].tensor].bytes, 4u * 256 * 16 * 2);
  expect_sound(parse_model_yaml(kTwoReaders, "two_readers.yaml", {1, 2}), shipped_machine(1), cascade_options(1e6));
}

struct ZooCase {
  std::string model;
  std::uint32_t cores;
  SyncMode sync;
};

class ZooCascade : public testing::TestWithParam<ZooCase> {};

// The real program validates and fits; then the same schedule with every ring as tall as its
// tensor is checked by the oracles, and its loads against the real rings' heights.
void expect_sound(const Model& model, const MachineConfig& config, const LoweringOptions& options) {
  const std::string& name = model.name;
  const Program real = lower(model, config, options);
  ASSERT_NO_THROW(validate_program(real, "cascaded"));
  EXPECT_EQ(find_buffer_overflow(real, config.core), std::nullopt);

  WorkPlan work = build_work_items(model, config, options);
  CascadePlan plan = plan_cascades(work, unbounded(config));
  // AlexNet on 16 cores cascades nothing: its image and first activations dominate, and rings
  // on bands of three or four rows per core would keep more live than its layers alone.
  EXPECT_EQ(plan.segments.empty(), name == "alexnet" && config.cores == 16) << name;
  struct Ring {
    std::uint64_t rows, row_bytes;
  };
  std::map<TensorId, Ring> rings;
  for (CascadeSegment& s : plan.segments)
    for (std::size_t j = 0; j < s.rings.size(); ++j)
      for (Placement& p : s.rings[j]) {
        if (p.ring_rows == 0) continue;
        const std::uint64_t row_bytes = p.shape.w * p.shape.c * config.core.element_bytes;
        rings[p.tensor] = {p.ring_rows, row_bytes};
        p = Placement::ring(p.tensor, p.shape, p.shape.h);
        work.tensors[p.tensor].bytes = p.shape.h * row_bytes;
      }
  const Program tall = emit_program(model, work, plan, options);
  // Every load reads bytes a store ordered before it wrote; each byte is stored at most once,
  // and every byte of the other activations and outputs exactly once (a core stores only the
  // rows of an inner tensor that its strips need).
  EXPECT_EQ(find_race(tall), std::nullopt);
  std::map<TensorId, std::vector<std::pair<std::uint64_t, std::uint64_t>>> stores;
  for (const auto& stream : tall.streams)
    for (const Instruction& i : stream)
      if (const auto* s = std::get_if<Store>(&i.op))
        for (std::uint64_t r = 0; r < s->range.rows; ++r) {
          const std::uint64_t at = s->range.offset + r * s->range.row_stride;
          stores[s->tensor].push_back({at, at + s->range.row_bytes});
        }
  for (auto& [t, spans] : stores) {
    std::sort(spans.begin(), spans.end());
    std::uint64_t end = 0, covered = 0;
    for (const auto& [a, b] : spans) {
      ASSERT_GE(a, end) << name << ": " << tall.tensors[t].name << " bytes " << a << " stored twice";
      end = b, covered += b - a;
    }
    if (!rings.contains(t)) {
      EXPECT_EQ(covered, tall.tensors[t].bytes) << name << ": " << tall.tensors[t].name;
    }
  }
  // In program order, a load of row x after row y >= x + R was stored would read a row the ring
  // of R rows has overwritten.
  for (CoreId c = 0; c < tall.cores; ++c) {
    std::map<TensorId, std::uint64_t> stored;  // one past the highest row stored
    for (const Instruction& i : tall.streams[c]) {
      if (const auto* s = std::get_if<Store>(&i.op); s && rings.contains(s->tensor)) {
        std::uint64_t& top = stored[s->tensor];
        top = std::max(top, (s->range.end() - 1) / rings[s->tensor].row_bytes + 1);
      } else if (const auto* l = std::get_if<Load>(&i.op); l && rings.contains(l->tensor)) {
        const Ring& r = rings[l->tensor];
        ASSERT_LE(stored[l->tensor], l->range.offset / r.row_bytes + r.rows)
            << name << " core " << c << ": " << tall.tensors[l->tensor].name << " row " << l->range.offset / r.row_bytes
            << " read after row " << stored[l->tensor] - 1 << " was stored, ring of " << r.rows;
      }
    }
  }
}

TEST_P(ZooCascade, IsSound) {
  const auto& [name, cores, sync] = GetParam();
  const MachineConfig config = shipped_machine(cores);
  LoweringOptions options = cascade_options(1e6);  // as many segments as memory wants
  options.sync = sync;
  expect_sound(load_model(name, {1, config.core.element_bytes}), config, options);
}

std::vector<ZooCase> zoo_cnns() {
  std::vector<ZooCase> cases;
  for (const char* m : {"alexnet", "vgg16", "resnet18", "resnet50", "googlenet", "mobilenet-v1", "mobilenet-v2",
                        "squeezenet-v1.1"})
    for (const std::uint32_t cores : {1u, 4u, 16u}) {
      cases.push_back({m, cores, SyncMode::barrier});
      if (cores > 1) cases.push_back({m, cores, SyncMode::p2p});
    }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AllZooCnns, ZooCascade, testing::ValuesIn(zoo_cnns()),
                         [](const testing::TestParamInfo<ZooCase>& info) {
                           std::string n = fmt::format("{}_{}cores_{}", info.param.model, info.param.cores,
                                                       to_string(info.param.sync));
                           for (char& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

// Where memory wants it, every zoo CNN cascades somewhere on 4 cores (on 16, AlexNet's segments
// would keep more live than its layers alone: its image and first activations dominate).
TEST(Cascade, EveryZooCnnCascadesOnFourCores) {
  for (const auto& c : zoo_cnns()) {
    if (c.cores != 4 || c.sync != SyncMode::barrier) continue;
    const MachineConfig config = shipped_machine(4);
    WorkPlan work = build_work_items(load_model(c.model, {1, config.core.element_bytes}), config, cascade_options());
    EXPECT_FALSE(plan_cascades(work, unbounded(config)).segments.empty()) << c.model;
  }
}

}  // namespace
}  // namespace tetris::workloads
