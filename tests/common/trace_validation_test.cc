// Malformed traces: each must be refused with the file, the line, and what is wrong.
#include <gtest/gtest.h>

#include <string>

#include "common/input_error.h"
#include "common/trace_io.h"

namespace tetris {
namespace {

struct BadTrace {
  const char* name;
  const char* body;  // appended to a valid two-core header with two tensors
  std::uint64_t line;
  const char* fragment;
};

constexpr const char* kHeader =
    "tetris-trace 1\n"                      // 1
    "cores 2\n"                             // 2
    "element_bytes 2\n"                     // 3
    "layer 0 conv1 conv\n"                  // 4
    "tensor 0 in 1024 input -\n"            // 5
    "tensor 1 out 1024 activation conv1\n"; // 6

const BadTrace kBadTraces[] = {
    {"UnknownTensor", "core 0\nload 7 0 16 nbin\n", 8, "unknown tensor 7"},
    {"RangePastTheEnd", "core 0\nload 0 1000 100 nbin\n", 8, "past its end (1024 bytes)"},
    {"TwoDRangePastTheEnd", "core 0\nstore2d 1 0 100 400 4 nbout\n", 8, "reaches byte 1300"},
    {"RangeOverflowing", "core 0\nload 0 18446744073709551615 2 nbin\n", 8, "2^64 or more"},
    {"OverlappingRows", "core 0\nload2d 0 0 100 50 3 nbin\n", 8, "rows overlap"},
    {"EmptyAccess", "core 1\nload 0 0 0 nbin\n", 8, "moves no bytes"},
    {"BadCoreIndex", "core 2\n", 7, "bad core index 2"},
    {"BadParticipant", "core 0\nbarrier 0 0,5\n", 8, "bad core index 5"},
    {"DuplicateCoreSection", "core 0\ncore 0\n", 8, "second section"},
    {"WaitWithoutSignal", "core 0\nsignal 3\ncore 1\nwait 3\nwait 3\n", 11, "no matching signal anywhere"},
    {"SemaphoreFromTwoCores", "core 0\nsignal 1\ncore 1\nsignal 1\n", 10, "point to point"},
    {"SemaphoreOnOneCore", "core 0\nsignal 1\nwait 1\n", 9, "same core"},
    {"BarrierMissingOnParticipant", "core 0\nbarrier 4 all\n", 0, "core 1 never reaches barrier 4"},
    {"BarrierParticipantsDisagree", "core 0\nbarrier 4 all\ncore 1\nbarrier 4 1\n", 10, "other participants"},
    {"BarrierTwice", "core 0\nbarrier 4 0\nbarrier 4 0\n", 9, "executed twice"},
    {"UnknownInstruction", "core 0\njump 3\n", 8, "unknown instruction 'jump'"},
    {"UnknownBuffer", "core 0\nload 0 0 4 l2\n", 8, "unknown on-chip buffer 'l2'"},
    {"UnknownComputeOp", "core 0\ncompute matmul 5\n", 8, "unknown compute op 'matmul'"},
    {"NotANumber", "core 0\nload 0 zero 4 nbin\n", 8, "offset must be a non-negative integer"},
    {"NegativeNumber", "core 0\ncompute conv -4\n", 8, "compute work must be a non-negative integer"},
    {"WrongFieldCount", "core 0\nload 0 0 nbin\n", 8, "'load' takes 4 fields"},
    {"UnknownLayerInStream", "core 0\nlayer conv9\n", 8, "unknown layer 'conv9'"},
    {"UnknownProducer", "tensor 2 x 8 activation conv9\n", 7, "unknown layer 'conv9'"},
    {"DuplicateTensorName", "tensor 2 in 8 activation -\n", 7, "duplicate tensor name 'in'"},
    {"TensorIdOutOfOrder", "tensor 5 x 8 activation -\n", 7, "expected 2, got 5"},
    {"UnknownTensorKind", "tensor 2 x 8 scratch -\n", 7, "unknown tensor kind 'scratch'"},
    {"ZeroByteTensor", "tensor 2 x 0 activation -\n", 7, "has 0 bytes"},
    {"HugeTensor", "tensor 2 x 9223372036854775808 activation -\n", 7, "too large"},
    {"HeaderAfterTables", "cores 4\n", 7, "'cores' is given twice"},
    {"TableInsideStream", "core 0\ntensor 2 x 8 activation -\n", 8, "unknown instruction 'tensor'"},
};

void PrintTo(const BadTrace& bad, std::ostream* os) { *os << bad.name; }

class MalformedTrace : public testing::TestWithParam<BadTrace> {};

TEST_P(MalformedTrace, IsRefusedWithFileLineAndReason) {
  const BadTrace& bad = GetParam();
  try {
    read_trace(std::string(kHeader) + bad.body, "bad.trace");
    FAIL() << "accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.where().file, "bad.trace");
    EXPECT_EQ(e.where().line, bad.line) << e.what();
    EXPECT_NE(std::string(e.what()).find(bad.fragment), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, MalformedTrace, testing::ValuesIn(kBadTraces),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(MalformedTraceHeader, MissingOrWrongHeaderIsRefused) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "empty trace"},
      {"# only a comment\n", "empty trace"},
      {"cores 2\n", "expected the header 'tetris-trace 1' first"},
      {"tetris-trace 4\n", "unsupported trace format version 4"},
      {"tetris-trace 2\ncores 2\nelement_bytes 2\ncore 0\nmload 0 all 0 0 64 sb\n", "needs trace format version 3"},
      {"tetris-trace 1\ncores 1\nelement_bytes 2\ntensor 0 x 64 input -\nblock 0 32\n", "unknown directive 'block'"},
      {"tetris-trace 2\ncores 1\nelement_bytes 2\ntensor 0 x 64 input -\nblock 0 64\n", "must lie inside it"},
      {"tetris-trace 2\ncores 1\nelement_bytes 2\ntensor 0 x 64 input -\nblock 0 32\nblock 0 16\n", "must ascend"},
      {"tetris-trace 2\ncores 1\nelement_bytes 2\ntensor 0 x 64 input -\nblock 1 32\n", "block of unknown tensor 1"},
      {"tetris-trace 1\ncores 2\n", "no 'element_bytes'"},
      {"tetris-trace 1\nelement_bytes 2\ncores 0\n", "cores must be at least 1"},
      {"tetris-trace 1\nlayer 0 a conv\n", "before the header is complete"},
  };
  for (const auto& [text, fragment] : cases) {
    try {
      read_trace(text, "h.trace");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
      EXPECT_EQ(e.where().file, "h.trace");
    }
  }
}

TEST(ProgramValidation, InMemoryProgramErrorsNameCoreAndInstruction) {
  Program program;
  program.cores = 1;
  program.streams.resize(1);
  program.tensors.push_back({"t", 64, TensorKind::activation, {}, {}});
  program.streams[0].push_back({Load{0, TensorRange::contiguous(0, 64), OnChipBuffer::nbin}, {}, 0});
  program.streams[0].push_back({Load{0, TensorRange::contiguous(32, 64), OnChipBuffer::nbin}, {}, 0});
  try {
    validate_program(program, "lowered");
    FAIL() << "accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("core 0, instruction 1"), std::string::npos) << e.what();
  }
}

TEST(ProgramValidation, NamesMustBeSingleTokens) {
  Program program;
  program.cores = 1;
  program.streams.resize(1);
  program.tensors.push_back({"two words", 64, TensorKind::activation, {}, {}});
  EXPECT_THROW(validate_program(program, "lowered"), InputError);
}

}  // namespace
}  // namespace tetris
