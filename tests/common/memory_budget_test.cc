// Sizes as users type them for --max-memory, and the default budget.
#include <gtest/gtest.h>

#include "common/memory_budget.h"

namespace tetris {
namespace {

TEST(MemoryBudget, ParsesBytesAndBinaryAndDecimalUnits) {
  EXPECT_EQ(parse_byte_size("123"), 123u);
  EXPECT_EQ(parse_byte_size("64KiB"), 64u << 10);
  EXPECT_EQ(parse_byte_size("512MiB"), 512u << 20);
  EXPECT_EQ(parse_byte_size("2GiB"), std::uint64_t{2} << 30);
  EXPECT_EQ(parse_byte_size("2 GiB"), std::uint64_t{2} << 30);
  EXPECT_EQ(parse_byte_size("3G"), std::uint64_t{3} << 30);
  EXPECT_EQ(parse_byte_size("5MB"), 5000000u);
  EXPECT_EQ(parse_byte_size("1TiB"), std::uint64_t{1} << 40);
}

TEST(MemoryBudget, RefusesWhatIsNotASizeOrDoesNotFit) {
  for (const char* text : {"", "MiB", "12x", "-5", "1.5GiB", "2 GiB extra", "99999999999999999999", "16777216TiB"})
    EXPECT_FALSE(parse_byte_size(text).has_value()) << text;
  EXPECT_EQ(parse_byte_size("18446744073709551615"), UINT64_MAX);
}

TEST(MemoryBudget, TheDefaultIsHalfOfPhysicalMemory) {
  const std::uint64_t physical = physical_memory_bytes();
  ASSERT_GT(physical, 0u) << "this machine reports no physical memory";
  EXPECT_EQ(default_memory_budget(), physical / 2);
}

TEST(MemoryBudget, DescribesBytesInTheUnitThatReads) {
  EXPECT_EQ(describe_bytes(900), "900 B");
  EXPECT_EQ(describe_bytes(1536), "1.5 KiB");
  EXPECT_EQ(describe_bytes(std::uint64_t{40} << 20), "40.0 MiB");
  EXPECT_EQ(describe_bytes(std::uint64_t{3} << 30), "3.00 GiB");
}

}  // namespace
}  // namespace tetris
