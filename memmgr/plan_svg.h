// The plan as a picture: address (up) against time (right), each piece a rectangle coloured by
// its buffer's group (e.g. the producing layer), with the peak and lower-bound lines.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "memmgr/problem.h"

namespace tetris::memmgr {

struct SvgOptions {
  std::string title{};
  int width = 1000;
  int height = 520;
  // Colour group per buffer (same group, same colour); empty: every buffer its own colour.
  std::span<const std::uint32_t> groups{};
};

// A self-contained SVG (no scripts, no external resources); time is the problem's linear time.
std::string plan_to_svg(const Problem& problem, std::span<const Offset> offsets, const SvgOptions& options);

}  // namespace tetris::memmgr
