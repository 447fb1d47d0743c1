// The schedules chart: which schedules are on the Pareto front (smaller plan or fewer cycles than
// every other), and that the SVG has both axes with units, the budget line and one point each.
#include "pipeline/schedule_chart.h"

#include <gtest/gtest.h>

namespace tetris::pipeline {
namespace {

TEST(ScheduleChart, TheFrontKeepsWhatNothingElseBeatsOnBoth) {
  const std::vector<ScheduleTried> tried = {
      {"layer", 10 << 20, 100, false, false},
      {"cascade (allowance 0)", 4 << 20, 110, true, true},
      {"cascade (allowance 0.1)", 4 << 20, 120, true, false},   // beaten by the one before
      {"cascade (allowance 1)", 3 << 20, 150, true, false},
      {"cascade (allowance 1e6)", 3 << 20, 150, true, false},   // the same point again
  };
  EXPECT_EQ(pareto_front(tried), (std::vector<std::size_t>{0, 1, 3}));
  const std::string svg = schedules_svg(tried, 5 << 20);
  auto count = [&](const std::string& text) {
    std::size_t n = 0;
    for (std::size_t at = svg.find(text); at != std::string::npos; at = svg.find(text, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("<circle"), tried.size());
  EXPECT_EQ(count("class=\"schedule chosen\""), 1u);
  EXPECT_EQ(count("class=\"budget\""), 1u);
  EXPECT_EQ(count("plan (MiB)"), 1u);
  EXPECT_EQ(count("time (cycles)"), 1u);
  EXPECT_EQ(count("class=\"pareto\""), 1u);
}

}  // namespace
}  // namespace tetris::pipeline
