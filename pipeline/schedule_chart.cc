#include "pipeline/schedule_chart.h"

#include <algorithm>
#include <array>
#include <iterator>

#include <fmt/format.h>

#include "pipeline/chart_axes.h"

namespace tetris::pipeline {

std::vector<std::size_t> pareto_front(const std::vector<ScheduleTried>& schedules) {
  std::vector<std::size_t> front;
  for (std::size_t i = 0; i < schedules.size(); ++i) {
    bool beaten = false;
    for (std::size_t j = 0; j < schedules.size() && !beaten; ++j) {
      const ScheduleTried &a = schedules[j], &b = schedules[i];
      const bool no_worse = a.plan_bytes <= b.plan_bytes && a.cycles <= b.cycles;
      const bool better = a.plan_bytes < b.plan_bytes || a.cycles < b.cycles;
      beaten = j != i && no_worse && (better || j < i);
    }
    if (!beaten) front.push_back(i);
  }
  return front;
}

std::string schedules_svg(const std::vector<ScheduleTried>& schedules, std::uint64_t budget) {
  const double width = 900, height = 360, left = 70, right = 30, up = 30, down = 45;
  const double w = width - left - right, h = height - up - down;
  // Cycles from a little below the fastest to a little above the slowest: the schedules differ
  // by percents, which a scale from 0 would squeeze together.
  std::uint64_t most_bytes = budget, most_cycles = 1, fewest_cycles = ~std::uint64_t{0};
  for (const ScheduleTried& s : schedules) {
    most_bytes = std::max(most_bytes, s.plan_bytes);
    most_cycles = std::max(most_cycles, s.cycles), fewest_cycles = std::min(fewest_cycles, s.cycles);
  }
  if (schedules.empty()) fewest_cycles = 0;
  const double top_mib = static_cast<double>(most_bytes) * 1.1 / (1 << 20);
  const double span = std::max(1.0, static_cast<double>(most_cycles - fewest_cycles));
  const double left_cycles = std::max(0.0, static_cast<double>(fewest_cycles) - 0.1 * span);
  const double right_cycles = static_cast<double>(most_cycles) + 0.1 * span;
  const auto x = [&](std::uint64_t cycles) {
    return left + w * (static_cast<double>(cycles) - left_cycles) / (right_cycles - left_cycles);
  };
  const auto y = [&](std::uint64_t bytes) { return up + h * (1 - static_cast<double>(bytes) / (1 << 20) / top_mib); };
  fmt::memory_buffer out;
  auto it = std::back_inserter(out);
  fmt::format_to(it,
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"schedule-chart\" width=\"{0}\" height=\"{1}\" "
                 "viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" font-size=\"12\">\n"
                 "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
                 "<text x=\"{2}\" y=\"18\" font-size=\"14\">Schedules tried: Tetris plan against cycles (naive plan)</text>\n",
                 width, height, left);
  const ChartArea area{left, up, w, h};
  std::array<std::string, 5> plan, time;
  for (int tick = 0; tick <= 4; ++tick) {
    plan[tick] = fmt::format("{:.2f}", top_mib * tick / 4.0);
    time[tick] = fmt::to_string(static_cast<std::uint64_t>(left_cycles + (right_cycles - left_cycles) * tick / 4.0));
  }
  append_grid_rows(out, area, "plan", plan);
  append_ticks(out, area, "cycles", time);
  fmt::format_to(it, "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">time (cycles)</text>\n", left + w / 2,
                 height - 8);
  fmt::format_to(it, "<text x=\"16\" y=\"{0:.1f}\" transform=\"rotate(-90 16 {0:.1f})\" text-anchor=\"middle\">"
                     "plan (MiB)</text>\n", up + h / 2);
  fmt::format_to(it, "<line class=\"budget\" x1=\"{0:.1f}\" x2=\"{1:.1f}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"#c00\" "
                     "stroke-dasharray=\"6 4\"/><text x=\"{1:.1f}\" y=\"{3:.1f}\" text-anchor=\"end\" fill=\"#c00\">"
                     "memory budget</text>\n",
                 left, left + w, y(budget), y(budget) - 4);
  std::vector<std::size_t> front = pareto_front(schedules);
  std::sort(front.begin(), front.end(), [&](std::size_t a, std::size_t b) { return schedules[a].cycles < schedules[b].cycles; });
  std::string path;
  for (const std::size_t i : front)
    path += fmt::format("{}{:.1f},{:.1f} ", path.empty() ? "M" : "L", x(schedules[i].cycles), y(schedules[i].plan_bytes));
  fmt::format_to(it, "<path class=\"pareto\" d=\"{}\" fill=\"none\" stroke=\"#06c\" stroke-width=\"1.5\"/>\n", path);
  for (const ScheduleTried& s : schedules) {
    fmt::format_to(it, "<circle class=\"schedule{}\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" fill=\"{}\"><title>",
                   s.chosen ? " chosen" : "", x(s.cycles), y(s.plan_bytes), s.chosen ? 7 : 4,
                   s.chosen ? "#c60" : s.fits ? "#06c" : "#999");
    for (char c : s.schedule) fmt::format_to(it, "{}", c == '<' ? "&lt;" : c == '&' ? "&amp;" : std::string(1, c));
    fmt::format_to(it, ": {:.2f} MiB, {} cycles</title></circle>\n", static_cast<double>(s.plan_bytes) / (1 << 20), s.cycles);
  }
  fmt::format_to(it, "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" stroke=\"#999\"/>\n</svg>\n",
                 left, up, w, h);
  return fmt::to_string(out);
}

}  // namespace tetris::pipeline
