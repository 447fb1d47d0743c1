// Timeline tracks: a unit with several requests in flight is drawn on as many lanes as overlap,
// and no lane holds two slices at once.
#include "sim/timeline.h"

#include <gtest/gtest.h>

#include <vector>

namespace tetris::sim {
namespace {

using Unit = TimelineEvent::Unit;

TEST(TimelineLanes, OverlappingRequestsOfOneUnitGetLanesOfTheirOwn) {
  const std::vector<TimelineEvent> events = {
      {Unit::load, 0, 0, 0, 100},    // lane 0
      {Unit::load, 1, 0, 10, 120},   // overlaps the first: lane 1
      {Unit::load, 2, 0, 20, 130},   // overlaps both: lane 2
      {Unit::compute, 3, 0, 5, 50},  // another unit: its own lane 0
      {Unit::load, 4, 0, 100, 150},  // starts as the first ends: lane 0 again
      {Unit::store, 5, 0, 60, 70},   // lane 0
  };
  EXPECT_EQ(timeline_lanes(events), (std::vector<std::uint32_t>{0, 1, 2, 0, 0, 0}));
}

TEST(TimelineLanes, OrderOfTheEventsDoesNotMatterOnlyTheirStarts) {
  const std::vector<TimelineEvent> events = {
      {Unit::store, 0, 0, 50, 90},
      {Unit::store, 1, 0, 0, 60},
  };
  // The earlier start takes lane 0 although it comes second.
  EXPECT_EQ(timeline_lanes(events), (std::vector<std::uint32_t>{1, 0}));
  EXPECT_TRUE(timeline_lanes({}).empty());
}

}  // namespace
}  // namespace tetris::sim
