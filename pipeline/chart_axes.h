// The frame the report's SVG charts share: a plot area, five labelled gridlines across it and
// five labelled ticks below it, so each chart draws only its own data.
#pragma once

#include <array>
#include <string>

#include <fmt/format.h>

namespace tetris::pipeline {

// The plot area: its left and top edges, its width and height, in SVG units.
struct ChartArea {
  double left = 0, up = 0, w = 0, h = 0;
};

// Gridlines at 0, 1/4, ..., 1 of the area's height, from the bottom, each labelled on the left
// with labels[k], in a group of class "axis `name`".
void append_grid_rows(fmt::memory_buffer& out, const ChartArea& area, const std::string& name,
                      const std::array<std::string, 5>& labels);

// Ticks at 0, 1/4, ..., 1 of the area's width below it, each labelled with labels[k], in a group
// of class "axis `name`".
void append_ticks(fmt::memory_buffer& out, const ChartArea& area, const std::string& name,
                  const std::array<std::string, 5>& labels);

}  // namespace tetris::pipeline
