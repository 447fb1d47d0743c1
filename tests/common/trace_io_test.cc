#include <gtest/gtest.h>

#include <random>
#include <string>

#include <fmt/format.h>

#include "common/file_io.h"
#include "common/input_error.h"
#include "common/trace_io.h"
#include "common/trace_summary.h"

namespace tetris {
namespace {

const std::string kExample = std::string(TETRIS_SOURCE_DIR) + "/docs/examples/two-core.trace";

TEST(TraceIo, DocumentedExampleParses) {
  const Program program = read_trace_file(kExample);
  EXPECT_EQ(program.cores, 2u);
  EXPECT_EQ(program.element_bytes, 2u);
  ASSERT_EQ(program.tensors.size(), 3u);
  EXPECT_EQ(program.tensors[1].name, "relu1_out");
  EXPECT_EQ(program.tensors[1].producer, LayerId{0});
  EXPECT_EQ(program.tensors[0].producer, std::nullopt);
  ASSERT_EQ(program.streams[0].size(), 9u);
  ASSERT_EQ(program.streams[1].size(), 9u);
  const auto& strided = std::get<Load>(program.streams[0][5].op);
  EXPECT_EQ(strided.range.row_bytes, 1024u);
  EXPECT_EQ(strided.range.row_stride, 2048u);
  EXPECT_EQ(strided.range.rows, 4u);
  EXPECT_EQ(strided.range.end(), 7168u);
  EXPECT_EQ(program.streams[0][5].layer, LayerId{1});
  EXPECT_EQ(program.streams[0][0].line, 18u);
  EXPECT_EQ((program.barriers.at(0)), (std::vector<CoreId>{0, 1}));
}

TEST(TraceIo, WriteReadWriteIsByteIdentical) {
  const std::string first = write_trace(read_trace_file(kExample));
  const std::string second = write_trace(read_trace(first, "first"));
  EXPECT_EQ(first, second);
}

TEST(TraceIo, BlocksRoundTripAsVersionTwoAndVersionOneStaysVersionOne) {
  const std::string v1 = "tetris-trace 1\ncores 1\nelement_bytes 2\n\n# tensor ID NAME BYTES KIND PRODUCER\n"
                         "tensor 0 a 128 activation -\n\ncore 0\nstore 0 0 128 nbout\n";
  EXPECT_EQ(write_trace(read_trace(v1, "v1")), v1);
  const std::string v2 = "tetris-trace 2\ncores 1\nelement_bytes 2\n\n# tensor ID NAME BYTES KIND PRODUCER\n"
                         "tensor 0 a 128 activation -\n\n# block TENSOR OFFSET: where a tensor's next block begins\n"
                         "block 0 64\nblock 0 96\n\ncore 0\nstore 0 0 64 nbout\nstore 0 64 32 nbout\n"
                         "store2d 0 96 8 16 2 nbout\n";
  const Program p = read_trace(v2, "v2");
  const Tensor& a = p.tensors[0];
  ASSERT_EQ(a.block_count(), 3u);
  EXPECT_EQ(a.block_of(0), 0u);
  EXPECT_EQ(a.block_of(63), 0u);
  EXPECT_EQ(a.block_of(64), 1u);
  EXPECT_EQ(a.block_of(127), 2u);
  EXPECT_EQ(a.block_begin(1), 64u);
  EXPECT_EQ(a.block_end(1), 96u);
  EXPECT_EQ(a.block_end(2), 128u);
  EXPECT_EQ(block_name(a, 2), "a#2");
  EXPECT_EQ(write_trace(p), v2);
}

TEST(TraceIo, AnAccessAcrossABlockBoundaryIsRefusedNamingTheLine) {
  const std::string head = "tetris-trace 2\ncores 1\nelement_bytes 2\ntensor 0 a 128 activation -\nblock 0 64\ncore 0\n";
  EXPECT_NO_THROW(read_trace(head + "store 0 0 64 nbout\nstore2d 0 64 8 16 4 nbout\n", "ok.trace"));
  for (const std::string& access : {std::string("store 0 32 64 nbout\n"), std::string("store2d 0 0 8 64 2 nbout\n")}) {
    try {
      read_trace(head + access, "cross.trace");
      ADD_FAILURE() << "accepted: " << access;
    } catch (const InputError& e) {
      EXPECT_EQ(e.where().line, 7u) << e.what();
      EXPECT_NE(std::string(e.what()).find("crosses its block boundary at 64"), std::string::npos) << e.what();
    }
  }
}

// Multicast loads: written as version 3 only when there are any, read back the same; each copy
// must be the same load, and every participant must load the id exactly once.
TEST(TraceIo, MulticastLoadsRoundTripAsVersionThree) {
  const std::string v3 = "tetris-trace 3\ncores 3\nelement_bytes 2\n\n# tensor ID NAME BYTES KIND PRODUCER\n"
                         "tensor 0 w 4096 weight -\n\ncore 0\nmload 0 0-1 0 0 1024 sb\nmload2d 1 0,2 0 0 64 128 4 sb\n"
                         "\ncore 1\nmload 0 0-1 0 0 1024 sb\nload 0 1024 1024 sb\n\ncore 2\nmload2d 1 0,2 0 0 64 128 4 sb\n";
  const Program p = read_trace(v3, "v3");
  EXPECT_EQ(p.multicasts.at(0), (std::vector<CoreId>{0, 1}));
  EXPECT_EQ(p.multicasts.at(1), (std::vector<CoreId>{0, 2}));
  EXPECT_EQ(std::get<Load>(p.streams[0][1].op).multicast, MulticastId{1});
  EXPECT_EQ(std::get<Load>(p.streams[0][1].op).range.rows, 4u);
  EXPECT_EQ(std::get<Load>(p.streams[1][1].op).multicast, std::nullopt);
  EXPECT_EQ(write_trace(p), v3);
  const TraceSummary summary = summarize(p);
  EXPECT_EQ(summary.multicast_groups, 2u);
  EXPECT_EQ(summary.multicast_loads, 4u);
  EXPECT_EQ(summary.per_core[1].loads, 2u);
  EXPECT_NE(format_summary_table(summary).find("multicast: 2 groups of 4 loads"), std::string::npos);
  // Without groups the same program is version 1 again.
  Program plain = p;
  plain.multicasts.clear();
  for (auto& stream : plain.streams)
    for (Instruction& i : stream) std::get<Load>(i.op).multicast.reset();
  EXPECT_EQ(write_trace(plain).substr(0, 15), "tetris-trace 1\n");
}

TEST(TraceIo, MalformedMulticastLoadsAreRefusedNamingTheLine) {
  const std::string head = "tetris-trace 3\ncores 3\nelement_bytes 2\ntensor 0 w 4096 weight -\n";  // lines 1-4
  struct Case {
    std::string body;
    std::uint64_t line;
    std::string fragment;
  };
  const Case cases[] = {
      {"core 0\nmload 0 0-1 0 0 64 sb\ncore 1\nmload 0 0-2 0 0 64 sb\n", 8, "other participants than on line 6"},
      {"core 0\nmload 0 0-1 0 0 64 sb\ncore 1\nmload 0 0-1 0 64 64 sb\n", 8, "another range or buffer"},
      {"core 0\nmload 0 0-1 0 0 64 sb\ncore 1\nmload 0 0-1 0 0 64 nbin\n", 8, "another range or buffer"},
      {"core 2\nmload 0 0-1 0 0 64 sb\n", 6, "core 2 is not a participant of multicast 0"},
      {"core 0\nmload 0 0-1 0 0 64 sb\nmload 0 0-1 0 0 64 sb\ncore 1\nmload 0 0-1 0 0 64 sb\n", 7,
       "loaded twice by core 0"},
      {"core 0\nmload 0 0-1 0 0 64 sb\n", 0, "core 1 never loads multicast 0"},
      {"core 0\nmload 0 0 0 0 64 sb\n", 0, "1 participant; a multicast needs at least 2"},
  };
  for (const Case& c : cases) {
    try {
      read_trace(head + c.body, "m.trace");
      ADD_FAILURE() << "accepted: " << c.body;
    } catch (const InputError& e) {
      EXPECT_EQ(e.where().line, c.line) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.fragment), std::string::npos) << e.what();
    }
  }
  // Version 2 has no multicast loads.
  try {
    read_trace("tetris-trace 2\ncores 2\nelement_bytes 2\ntensor 0 w 64 weight -\ncore 0\nmload 0 all 0 0 64 sb\n", "v2");
    ADD_FAILURE() << "accepted an mload in version 2";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("needs trace format version 3"), std::string::npos) << e.what();
  }
}

TEST(TraceIo, SummaryCountsInstructionsAndTensors) {
  const TraceSummary summary = summarize(read_trace_file(kExample));
  ASSERT_EQ(summary.per_core.size(), 2u);
  EXPECT_EQ(summary.per_core[0].loads, 3u);
  EXPECT_EQ(summary.per_core[0].bytes_loaded, 4096u + 4096u + 4096u);
  EXPECT_EQ(summary.per_core[0].signals, 1u);
  EXPECT_EQ(summary.per_core[1].waits, 1u);
  EXPECT_EQ(summary.per_core[1].element_ops, 4096u);
  EXPECT_EQ(summary.per_kind[static_cast<int>(TensorKind::activation)].bytes, 8192u);
  EXPECT_EQ(summary.all_tensors.count, 3u);
}

// Random valid programs: every construct of the format, many shapes, fixed seed.
Program random_program(std::mt19937_64& rng) {
  auto pick = [&](std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng); };
  Program p;
  p.cores = static_cast<std::uint32_t>(1 + pick(6));
  p.element_bytes = 1u << pick(3);
  p.streams.resize(p.cores);
  const auto layers = 1 + pick(4);
  for (std::uint64_t l = 0; l < layers; ++l) p.layers.push_back({fmt::format("L{}", l), "conv"});
  const auto tensors = 1 + pick(5);
  for (std::uint64_t t = 0; t < tensors; ++t) {
    Tensor tensor{fmt::format("T{}", t), 1 + pick(1u << 20), static_cast<TensorKind>(pick(4)), {}, {}};
    if (pick(2)) tensor.producer = static_cast<LayerId>(pick(layers));
    p.tensors.push_back(tensor);
  }
  BarrierId next_barrier = 0;
  SemaphoreId next_semaphore = 0;
  for (int step = 0; step < 40; ++step) {
    const CoreId core = static_cast<CoreId>(pick(p.cores));
    std::optional<LayerId> layer;
    if (pick(4)) layer = static_cast<LayerId>(pick(layers));
    const TensorId tensor = static_cast<TensorId>(pick(tensors));
    const auto bytes = p.tensors[tensor].bytes;
    switch (pick(5)) {
      case 0: {
        const auto offset = pick(bytes);
        p.streams[core].push_back({Load{tensor, TensorRange::contiguous(offset, 1 + pick(bytes - offset)),
                                        static_cast<OnChipBuffer>(pick(3))}, layer, 0});
        break;
      }
      case 1: {
        const auto rows = 1 + pick(4);
        const auto stride = bytes / rows;
        if (stride == 0) break;
        const auto row_bytes = 1 + pick(stride);
        p.streams[core].push_back({Store{tensor, {0, row_bytes, stride, rows}, OnChipBuffer::nbout}, layer, 0});
        break;
      }
      case 2:
        p.streams[core].push_back({Compute{static_cast<ComputeOp>(pick(8)), pick(1u << 30)}, layer, 0});
        break;
      case 3: {
        std::vector<CoreId> participants;
        for (CoreId c = 0; c < p.cores; ++c)
          if (c == core || pick(2)) participants.push_back(c);
        for (CoreId c : participants) p.streams[c].push_back({Barrier{next_barrier}, layer, 0});
        p.barriers[next_barrier++] = participants;
        break;
      }
      case 4:
        if (p.cores < 2) break;
        const CoreId other = static_cast<CoreId>((core + 1 + pick(p.cores - 1)) % p.cores);
        p.streams[core].push_back({Signal{next_semaphore}, layer, 0});
        p.streams[other].push_back({Wait{next_semaphore++}, layer, 0});
        break;
    }
  }
  return p;
}

TEST(TraceIo, RandomProgramsRoundTrip) {
  std::mt19937_64 rng(20261125);
  for (int i = 0; i < 500; ++i) {
    const Program program = random_program(rng);
    validate_program(program, "random");
    const std::string text = write_trace(program);
    const Program read = read_trace(text, "random");
    ASSERT_EQ(write_trace(read), text) << "case " << i;
    ASSERT_EQ(read.tensors.size(), program.tensors.size());
    for (CoreId c = 0; c < program.cores; ++c) ASSERT_EQ(read.streams[c].size(), program.streams[c].size());
  }
}

TEST(TraceIo, ParticipantListsAcceptRangesAndAreWrittenCompactly) {
  const Program program = read_trace(
      "tetris-trace 1\ncores 10\nelement_bytes 2\ncore 0\nbarrier 3 0-2,5\ncore 1\nbarrier 3 5,0,1-2\n"
      "core 2\nbarrier 3 2,1,0,5\ncore 5\nbarrier 3 0-2,5\n",
      "ranges");
  EXPECT_EQ((program.barriers.at(3)), (std::vector<CoreId>{0, 1, 2, 5}));
  EXPECT_NE(write_trace(program).find("barrier 3 0-2,5\n"), std::string::npos);
}

TEST(TraceIo, WrittenFileReadsBack) {
  const Program program = read_trace_file(kExample);
  const std::string path = testing::TempDir() + "tetris_trace_io_test.trace";
  write_trace_file(program, path);
  EXPECT_EQ(read_text_file(path), write_trace(program));
  EXPECT_EQ(write_trace(read_trace_file(path)), write_trace(program));
}

}  // namespace
}  // namespace tetris
