#include "pipeline/bus_chart.h"

#include <algorithm>
#include <array>
#include <iterator>

#include <fmt/format.h>

#include "pipeline/chart_axes.h"

namespace tetris::pipeline {

std::vector<double> bus_busy_shares(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& busy,
                                    std::uint64_t cycles, int slices) {
  std::vector<double> share(static_cast<std::size_t>(std::max(slices, 1)), 0.0);
  if (cycles == 0) return share;
  const double width = static_cast<double>(cycles) / static_cast<double>(share.size());
  for (const auto& [begin, end] : busy) {
    // Spread the interval over the slices it overlaps.
    double from = static_cast<double>(begin);
    const double to = static_cast<double>(std::min(end, cycles));
    while (from < to) {
      const auto slice = std::min(share.size() - 1, static_cast<std::size_t>(from / width));
      const double slice_end = std::min(to, width * static_cast<double>(slice + 1));
      share[slice] += (std::max(slice_end, from) - from) / width;
      if (slice_end <= from) break;  // the last slice's rounding
      from = slice_end;
    }
  }
  for (double& s : share) s = std::min(s, 1.0);
  return share;
}

std::string bus_busy_svg(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& busy, std::uint64_t cycles,
                         const std::string& title, int slices) {
  const std::vector<double> share = bus_busy_shares(busy, cycles, slices);
  const double width = 900, height = 220, left = 60, right = 20, up = 30, down = 40;
  const double w = width - left - right, h = height - up - down;
  fmt::memory_buffer out;
  auto it = std::back_inserter(out);
  fmt::format_to(it,
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"bus-chart\" width=\"{0}\" height=\"{1}\" "
                 "viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" font-size=\"12\">\n"
                 "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"{2}\" y=\"18\" font-size=\"14\">",
                 width, height, left);
  for (char c : title) fmt::format_to(it, "{}", c == '<' ? "&lt;" : c == '&' ? "&amp;" : std::string(1, c));
  fmt::format_to(it, "</text>\n");
  const ChartArea area{left, up, w, h};
  std::array<std::string, 5> percent, time;
  for (int tick = 0; tick <= 4; ++tick) {
    percent[tick] = fmt::format("{}%", tick * 25);
    time[tick] = fmt::to_string(static_cast<std::uint64_t>(static_cast<double>(cycles) * tick / 4.0));
  }
  append_grid_rows(out, area, "address", percent);
  append_ticks(out, area, "time", time);
  fmt::format_to(it, "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">time (cycles)</text>\n", left + w / 2,
                 height - 6);
  fmt::format_to(it, "<text x=\"14\" y=\"{0:.1f}\" transform=\"rotate(-90 14 {0:.1f})\" text-anchor=\"middle\">"
                     "bus busy</text>\n", up + h / 2);
  std::string path;
  for (std::size_t i = 0; i < share.size(); ++i) {
    const double x0 = left + w * static_cast<double>(i) / static_cast<double>(share.size());
    const double x1 = left + w * static_cast<double>(i + 1) / static_cast<double>(share.size());
    const double y = up + h * (1.0 - share[i]);
    path += fmt::format("{}{:.1f},{:.1f} L{:.1f},{:.1f} ", i == 0 ? "M" : "L", x0, y, x1, y);
  }
  fmt::format_to(it, "<path class=\"bus-busy\" d=\"{}\" fill=\"none\" stroke=\"#06c\" stroke-width=\"1.5\"/>\n", path);
  fmt::format_to(it, "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" stroke=\"#999\"/>\n</svg>\n",
                 left, up, w, h);
  return fmt::to_string(out);
}

}  // namespace tetris::pipeline
