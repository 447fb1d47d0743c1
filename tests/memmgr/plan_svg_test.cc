// The plan picture: axes with units and ticks, labels outside the data, a legend, one scale.
#include "memmgr/plan_svg.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "problem_builders.h"

namespace tetris::memmgr {
namespace {

// The x or y attribute of every <text> of class `element_class`. (No std::regex: GCC 12 warns
// inside <regex> under the sanitizer build's -O1.)
std::vector<double> attribute_of(const std::string& svg, const std::string& element_class, const std::string& name) {
  std::vector<double> values;
  const std::string start = "<text class=\"" + element_class + "\" ";
  for (std::size_t at = svg.find(start); at != std::string::npos; at = svg.find(start, at + 1)) {
    const std::size_t end = svg.find('>', at);
    const std::string tag = svg.substr(at, end - at);
    const std::size_t value = tag.find(" " + name + "=\"");
    if (value != std::string::npos) values.push_back(std::stod(tag.substr(value + name.size() + 3)));
  }
  return values;
}

// Two 3 KiB buffers alive one after the other: a 3 KiB plan.
Problem small_problem() { return fixtures::inclusive_problem({{3072, 0, 4}, {3072, 5, 9}}); }

TEST(PlanSvg, AxesHaveUnitsAndTicksAndTheLabelsSitOutsideTheData) {
  const Problem problem = small_problem();
  const std::vector<Offset> offsets = {0, 0};
  const std::string svg = plan_to_svg(problem, offsets, {.title = "t", .width = 800, .height = 400, .time_unit = "layer steps"});
  EXPECT_NE(svg.find("address (KiB)"), std::string::npos);
  EXPECT_NE(svg.find("time (layer steps)"), std::string::npos);
  EXPECT_NE(svg.find(">3</text>"), std::string::npos) << "a 3 KiB tick";
  // The plot is [78, 800 - 140): both labels start right of it.
  for (const char* label : {"label peak", "label bound"}) {
    const auto xs = attribute_of(svg, label, "x");
    ASSERT_EQ(xs.size(), 1u) << label;
    EXPECT_GT(xs[0], 800 - 140) << label;
  }
  // The live-bytes curve rises to the 3 KiB alive at once and falls to 0 at the end.
  EXPECT_NE(svg.find("class=\"live-bytes\""), std::string::npos);
  // Peak and bound coincide: the bound's label is moved below the peak's, not drawn over it.
  EXPECT_GE(attribute_of(svg, "label bound", "y")[0], attribute_of(svg, "label peak", "y")[0] + 14);
}

TEST(PlanSvg, OneAddressScaleDrawsASmallPlanSmall) {
  const Problem problem = small_problem();
  const std::vector<Offset> offsets = {0, 0};
  const std::string own = plan_to_svg(problem, offsets, {.title = "t"});
  const std::string shared = plan_to_svg(problem, offsets, {.title = "t", .address_top = 8u << 20});
  EXPECT_NE(shared.find("address (MiB)"), std::string::npos);
  // The peak line sits lower (a larger y) on the shared scale.
  EXPECT_GT(attribute_of(shared, "label peak", "y")[0], attribute_of(own, "label peak", "y")[0] + 100);
}

TEST(PlanSvg, TheLegendNamesTheLargestGroups) {
  const Problem problem = small_problem();
  const std::vector<Offset> offsets = {0, 0};
  const std::vector<std::uint32_t> groups = {0, 1};
  const std::vector<std::string> names = {"conv<1>", "relu"};
  const std::string svg =
      plan_to_svg(problem, offsets, {.title = "t", .groups = groups, .group_names = names});
  EXPECT_NE(svg.find("class=\"legend\""), std::string::npos);
  EXPECT_NE(svg.find(">conv&lt;1&gt;</text>"), std::string::npos) << "names are escaped";
  EXPECT_NE(svg.find(">relu</text>"), std::string::npos);
}

TEST(PlanSvg, ClobberedBuffersAreOutlinedInRed) {
  const Problem problem = small_problem();
  const std::vector<Offset> offsets = {0, 0};
  const std::vector<BufferId> marked = {1};
  const std::string svg = plan_to_svg(problem, offsets, {.title = "t", .marked = marked});
  const std::size_t at = svg.find("class=\"clobbered\"");
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(svg.find("class=\"clobbered\"", at + 1), std::string::npos) << "only the marked buffer";
  EXPECT_NE(svg.find("<title>b1 (read after being overwritten)</title>"), std::string::npos);
  EXPECT_EQ(plan_to_svg(problem, offsets, {.title = "t"}).find("clobbered"), std::string::npos);
}

}  // namespace
}  // namespace tetris::memmgr
