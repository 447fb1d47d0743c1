// The memory-bus chart's numbers: busy intervals spread over equal slices of the run.
#include "pipeline/bus_chart.h"

#include <gtest/gtest.h>

namespace tetris::pipeline {
namespace {

TEST(BusChart, SharesSpreadEachIntervalOverTheSlicesItOverlaps) {
  // A 100-cycle run in 4 slices of 25: busy [0, 25) whole, [30, 40) and [45, 60) partly.
  const std::vector<std::pair<std::uint64_t, std::uint64_t>> busy = {{0, 25}, {30, 40}, {45, 60}};
  const std::vector<double> shares = bus_busy_shares(busy, 100, 4);
  ASSERT_EQ(shares.size(), 4u);
  EXPECT_DOUBLE_EQ(shares[0], 1.0);
  EXPECT_DOUBLE_EQ(shares[1], 15.0 / 25.0);  // [30, 40) and [45, 50)
  EXPECT_DOUBLE_EQ(shares[2], 10.0 / 25.0);  // [50, 60)
  EXPECT_DOUBLE_EQ(shares[3], 0.0);
}

TEST(BusChart, TheChartHasItsAxesAndOneLine) {
  const std::string svg = bus_busy_svg({{0, 50}}, 100, "bus <busy>", 10);
  EXPECT_NE(svg.find("class=\"axis address\""), std::string::npos);
  EXPECT_NE(svg.find("class=\"axis time\""), std::string::npos);
  EXPECT_NE(svg.find("class=\"bus-busy\""), std::string::npos);
  EXPECT_NE(svg.find("bus &lt;busy>"), std::string::npos);
  EXPECT_NE(svg.find(">100%</text>"), std::string::npos);
}

}  // namespace
}  // namespace tetris::pipeline
