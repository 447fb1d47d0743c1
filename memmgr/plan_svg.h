// The plan as a picture: address (up) against time (right), each piece a rectangle coloured by
// its buffer's group (e.g. the producing layer), with the peak and lower-bound lines.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "memmgr/problem.h"

namespace tetris::memmgr {

struct SvgOptions {
  std::string title{};
  int width = 1000;
  int height = 520;
  // Colour group per buffer (same group, same colour: a tensor's blocks, or a layer's outputs);
  // empty: every buffer its own colour.
  std::span<const std::uint32_t> groups{};
  // A name per group for the legend (the largest groups by area are listed); empty: no legend.
  std::span<const std::string> group_names{};
  // What the problem's time counts, for the time axis ("layer steps", "instruction positions").
  std::string time_unit = "steps";
  // The address axis reaches this many bytes (at least the plan's peak), so pictures of several
  // plans drawn with one value share a scale; 0: the plan's own peak and bound.
  Offset address_top = 0;
  // Buffers to outline in red, ascending: those a simulation found read after another buffer
  // overwrote them.
  std::span<const BufferId> marked{};
};

// A self-contained SVG (no scripts, no external resources); time is the problem's linear time.
// Axes carry ticks in B/KiB/MiB and in time units; the peak and lower-bound labels sit in the
// right margin, outside the data.
std::string plan_to_svg(const Problem& problem, std::span<const Offset> offsets, const SvgOptions& options);

}  // namespace tetris::memmgr
