// The lowering oracle on hand-written traces: stores exactly once, races, buffer limits.
#include "tests/support/program_checks.h"

#include <gtest/gtest.h>

#include "common/trace_io.h"

namespace tetris::test_support {
namespace {

const CoreConfig kCore{1000, 16, 16, 16, 8192, 8192, 32768, 2, 0};

// Core 0 writes both halves of `a`; core 1 reads the second half after `SYNC`.
Program two_cores(const std::string& sync0, const std::string& sync1) {
  return read_trace("tetris-trace 1\ncores 2\nelement_bytes 2\n"
                    "layer 0 produce conv\nlayer 1 consume relu\n"
                    "tensor 0 x 64 input -\ntensor 1 a 64 activation produce\ntensor 2 b 32 output consume\n"
                    "core 0\nlayer produce\nload 0 0 64 nbin\ncompute conv 10\nstore 1 0 64 nbout\n" +
                        sync0 +
                        "core 1\n" + sync1 +
                        "layer consume\nload 1 32 32 nbin\ncompute activation 16\nstore 2 0 32 nbout\n",
                    "test.trace");
}

TEST(ProgramChecks, ASynchronisedProgramPasses) {
  for (const auto& [a, b] : {std::pair<std::string, std::string>{"barrier 0 all\n", "barrier 0 all\n"},
                             {"signal 1\n", "wait 1\n"}}) {
    const Program p = two_cores(a, b);
    EXPECT_EQ(find_race(p), std::nullopt) << a;
    EXPECT_EQ(find_store_error(p), std::nullopt) << a;
    EXPECT_EQ(find_buffer_overflow(p, kCore), std::nullopt) << a;
  }
}

TEST(ProgramChecks, AnUnorderedLoadIsARace) {
  const auto race = find_race(two_cores("", ""));
  ASSERT_TRUE(race);
  EXPECT_NE(race->find("race: core 1 instruction 0 (layer consume) loads bytes [32, 64) of tensor 'a'"),
            std::string::npos)
      << *race;
  // A signal that comes before the store orders nothing.
  const Program early = read_trace(
      "tetris-trace 1\ncores 2\nelement_bytes 1\ntensor 0 a 8 activation -\ntensor 1 b 8 output -\n"
      "core 0\nsignal 0\ncompute copy 8\nstore 0 0 8 nbout\n"
      "core 1\nwait 0\nload 0 0 8 nbin\ncompute copy 8\nstore 1 0 8 nbout\n",
      "early.trace");
  EXPECT_TRUE(find_race(early));
}

TEST(ProgramChecks, ReadingBytesNobodyStoresIsReported) {
  const Program p = read_trace(
      "tetris-trace 1\ncores 1\nelement_bytes 1\ntensor 0 a 8 activation -\ntensor 1 b 8 output -\n"
      "core 0\ncompute copy 4\nstore 0 0 4 nbout\nload 0 0 8 nbin\ncompute copy 8\nstore 1 0 8 nbout\n",
      "gap.trace");
  const auto race = find_race(p);
  ASSERT_TRUE(race);
  EXPECT_NE(race->find("loads bytes [4, 8) of tensor 'a' that no instruction stores"), std::string::npos) << *race;
  const auto store = find_store_error(p);
  ASSERT_TRUE(store);
  EXPECT_NE(store->find("bytes [4, 8) of tensor 'a' are never stored"), std::string::npos) << *store;
}

TEST(ProgramChecks, StoringTwiceOrIntoAnInputIsReported) {
  const Program twice = read_trace(
      "tetris-trace 1\ncores 1\nelement_bytes 1\ntensor 0 a 8 output -\n"
      "core 0\ncompute copy 8\nstore2d 0 0 2 4 2 nbout\nstore 0 2 6 nbout\n",
      "twice.trace");
  const auto error = find_store_error(twice);
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("bytes [4, 6) of tensor 'a' are stored twice"), std::string::npos) << *error;
  const Program input = read_trace(
      "tetris-trace 1\ncores 1\nelement_bytes 1\ntensor 0 x 8 input -\n"
      "core 0\ncompute copy 8\nstore 0 0 8 nbout\n",
      "input.trace");
  ASSERT_TRUE(find_store_error(input));
  EXPECT_NE(find_store_error(input)->find("stores to input tensor 'x'"), std::string::npos);
}

TEST(ProgramChecks, ADeadlockIsReported) {
  const Program p = read_trace(
      "tetris-trace 1\ncores 2\nelement_bytes 1\ntensor 0 a 8 output -\n"
      "core 0\nwait 0\nsignal 1\ncompute copy 8\nstore 0 0 8 nbout\ncore 1\nwait 1\nsignal 0\n",
      "deadlock.trace");
  const auto error = find_race(p);
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("deadlock"), std::string::npos) << *error;
}

TEST(ProgramChecks, TilesLargerThanABufferAreReported) {
  CoreConfig small = kCore;
  small.nbin_bytes = 48;
  const auto in = find_buffer_overflow(two_cores("barrier 0 all\n", "barrier 0 all\n"), small);
  ASSERT_TRUE(in);
  EXPECT_NE(in->find("core 0 instructions 0..1 load 64 bytes into nbin, which holds 48"), std::string::npos) << *in;
  small = kCore;
  small.nbout_bytes = 32;
  const auto out = find_buffer_overflow(two_cores("barrier 0 all\n", "barrier 0 all\n"), small);
  ASSERT_TRUE(out);
  EXPECT_NE(out->find("store 64 bytes from nbout"), std::string::npos) << *out;
  // Loads separated by computes are separate tiles.
  const Program tiles = read_trace(
      "tetris-trace 1\ncores 1\nelement_bytes 1\ntensor 0 x 96 input -\ntensor 1 w 96 weight -\n"
      "core 0\nload 0 0 48 nbin\nload 1 0 48 sb\ncompute conv 1\nload 0 48 48 nbin\nload 1 48 48 sb\ncompute conv 1\n",
      "tiles.trace");
  small = kCore;
  small.nbin_bytes = small.sb_bytes = 48;
  EXPECT_EQ(find_buffer_overflow(tiles, small), std::nullopt);
  small.sb_bytes = 40;
  EXPECT_TRUE(find_buffer_overflow(tiles, small));
}

}  // namespace
}  // namespace tetris::test_support
