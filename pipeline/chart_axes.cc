#include "pipeline/chart_axes.h"

#include <iterator>

namespace tetris::pipeline {

void append_grid_rows(fmt::memory_buffer& out, const ChartArea& a, const std::string& name,
                      const std::array<std::string, 5>& labels) {
  auto it = std::back_inserter(out);
  fmt::format_to(it, "<g class=\"axis {}\" stroke=\"#ddd\">\n", name);
  for (int tick = 0; tick <= 4; ++tick) {
    const double at = a.up + a.h * (1 - tick / 4.0);
    fmt::format_to(it, "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>"
                       "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\" stroke=\"none\" fill=\"#333\">{}</text>\n",
                   a.left, a.left + a.w, at, at, a.left - 6, at + 4, labels[tick]);
  }
  fmt::format_to(it, "</g>\n");
}

void append_ticks(fmt::memory_buffer& out, const ChartArea& a, const std::string& name,
                  const std::array<std::string, 5>& labels) {
  auto it = std::back_inserter(out);
  fmt::format_to(it, "<g class=\"axis {}\" stroke=\"#999\">\n", name);
  for (int tick = 0; tick <= 4; ++tick) {
    const double at = a.left + a.w * tick / 4.0;
    fmt::format_to(it, "<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" y2=\"{2:.1f}\"/>"
                       "<text x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"middle\" stroke=\"none\" fill=\"#333\">{4}</text>\n",
                   at, a.up + a.h, a.up + a.h + 4, a.up + a.h + 16, labels[tick]);
  }
  fmt::format_to(it, "</g>\n");
}

}  // namespace tetris::pipeline
