#include "memmgr/plan_svg.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include <fmt/format.h>

#include "memmgr/plan_validator.h"

namespace tetris::memmgr {
namespace {

std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// Golden-ratio hues: neighbouring groups get clearly different colours.
std::string colour(std::uint32_t group) {
  const double hue = std::fmod(group * 0.618033988749895, 1.0) * 360.0;
  return fmt::format("hsl({:.0f},65%,{}%)", hue, 45 + (group % 3) * 10);
}

std::string mib(Offset bytes) { return fmt::format("{:.2f} MiB", static_cast<double>(bytes) / (1 << 20)); }

}  // namespace

std::string plan_to_svg(const Problem& problem, std::span<const Offset> offsets, const SvgOptions& options) {
  const Offset peak = plan_peak(problem, offsets);
  const Offset top = std::max<Offset>({peak, problem.lower_bound(), 1});
  TimeValue t0 = ~TimeValue{0}, t1 = 0;
  for (const Piece& p : problem.pieces()) {
    if (p.lifespan.length() == 0) continue;
    t0 = std::min(t0, p.lifespan.lower);
    t1 = std::max(t1, p.lifespan.upper);
  }
  if (t1 <= t0) t0 = 0, t1 = 1;
  const double left = 70, right = 20, up = 40, down = 40;
  const double w = options.width - left - right, h = options.height - up - down;
  auto x = [&](TimeValue t) { return left + w * static_cast<double>(t - t0) / static_cast<double>(t1 - t0); };
  auto y = [&](Offset a) { return up + h * (1.0 - static_cast<double>(a) / (static_cast<double>(top) * 1.05)); };

  fmt::memory_buffer out;
  auto it = std::back_inserter(out);
  fmt::format_to(it,
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
                 "font-family=\"sans-serif\" font-size=\"12\">\n",
                 options.width, options.height, options.width, options.height);
  fmt::format_to(it, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
  fmt::format_to(it, "<text x=\"{}\" y=\"20\" font-size=\"14\">{}</text>\n", left, escape(options.title));
  fmt::format_to(it, "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" stroke=\"#999\"/>\n",
                 left, up, w, h);
  for (BufferId b = 0; b < problem.buffers().size(); ++b) {
    const std::uint32_t group = options.groups.empty() ? b : options.groups[b];
    fmt::format_to(it, "<g fill=\"{}\"><title>{}</title>\n", colour(group), escape(problem.buffers()[b].name));
    for (const Piece& p : problem.pieces_of(b)) {
      if (p.lifespan.length() == 0) continue;
      const double x0 = x(p.lifespan.lower), x1 = x(p.lifespan.upper);
      const double y1 = y(offsets[b] + p.offset), y0 = y(offsets[b] + p.offset + p.size);
      fmt::format_to(it, "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\"/>\n", x0, y0,
                     std::max(x1 - x0, 0.5), std::max(y1 - y0, 0.5));
    }
    fmt::format_to(it, "</g>\n");
  }
  fmt::format_to(it,
                 "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#d00\" stroke-width=\"1.5\"/>\n"
                 "<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#d00\" text-anchor=\"end\">peak {}</text>\n",
                 left, left + w, y(peak), y(peak), left + w, y(peak) - 4, mib(peak));
  if (problem.lower_bound())
    fmt::format_to(it,
                   "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#06c\" stroke-dasharray=\"6 4\"/>\n"
                   "<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#06c\">lower bound {}</text>\n",
                   left, left + w, y(problem.lower_bound()), y(problem.lower_bound()), left + 4,
                   y(problem.lower_bound()) + 14, mib(problem.lower_bound()));
  fmt::format_to(it, "<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">time</text>\n", left + w / 2,
                 options.height - 12);
  fmt::format_to(it, "<text x=\"14\" y=\"{:.1f}\" transform=\"rotate(-90 14 {:.1f})\" text-anchor=\"middle\">address</text>\n",
                 up + h / 2, up + h / 2);
  fmt::format_to(it, "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">0</text>\n", left - 4, y(0));
  fmt::format_to(it, "</svg>\n");
  return fmt::to_string(out);
}

}  // namespace tetris::memmgr
