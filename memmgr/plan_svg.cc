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

// A tick step of 1, 2 or 5 times a power of ten (or of 1024 for bytes, in whole units), giving
// about `ticks` ticks up to `top`.
double nice_step(double top, int ticks) {
  const double raw = top / ticks;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (m * power >= raw) return m * power;
  return 10 * power;
}

// Bytes in the unit that suits the axis's top: B, KiB or MiB.
struct ByteUnit {
  double divisor;
  const char* name;
};
ByteUnit byte_unit(Offset top) {
  if (top >= (Offset{1} << 20)) return {1048576.0, "MiB"};
  if (top >= (Offset{1} << 10)) return {1024.0, "KiB"};
  return {1.0, "B"};
}

std::string tick_label(double value) {
  std::string text = fmt::format("{:.2f}", value);
  while (text.find('.') != std::string::npos && (text.back() == '0' || text.back() == '.')) {
    const bool dot = text.back() == '.';
    text.pop_back();
    if (dot) break;
  }
  return text;
}

}  // namespace

std::string plan_to_svg(const Problem& problem, std::span<const Offset> offsets, const SvgOptions& options) {
  const Offset peak = plan_peak(problem, offsets);
  const Offset top = std::max<Offset>({peak, problem.lower_bound(), options.address_top, 1});
  TimeValue t0 = ~TimeValue{0}, t1 = 0;
  for (const Piece& p : problem.pieces()) {
    if (p.lifespan.length() == 0) continue;
    t0 = std::min(t0, p.lifespan.lower);
    t1 = std::max(t1, p.lifespan.upper);
  }
  if (t1 <= t0) t0 = 0, t1 = 1;
  const bool legend = !options.group_names.empty() && !options.groups.empty();
  const double left = 78, right = legend ? 300 : 140, up = 40, down = 48;
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

  // Address axis: ticks and grid lines in the unit that suits the top.
  const ByteUnit unit = byte_unit(top);
  const double step = nice_step(static_cast<double>(top) / unit.divisor, 5);
  fmt::format_to(it, "<g class=\"axis address\" stroke=\"#ddd\">\n");
  for (double v = 0; v * unit.divisor <= static_cast<double>(top) * 1.05; v += step) {
    const double ty = y(static_cast<Offset>(v * unit.divisor));
    fmt::format_to(it, "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>\n", left, left + w, ty, ty);
    fmt::format_to(it, "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\" stroke=\"none\" fill=\"#333\">{}</text>\n",
                   left - 6, ty + 4, tick_label(v));
  }
  fmt::format_to(it, "</g>\n");
  fmt::format_to(it,
                 "<text x=\"16\" y=\"{:.1f}\" transform=\"rotate(-90 16 {:.1f})\" text-anchor=\"middle\">"
                 "address ({})</text>\n",
                 up + h / 2, up + h / 2, unit.name);
  // Time axis.
  const double t_step = std::max(1.0, nice_step(static_cast<double>(t1 - t0), 6));
  fmt::format_to(it, "<g class=\"axis time\" stroke=\"#999\">\n");
  for (double v = 0; v <= static_cast<double>(t1 - t0); v += t_step) {
    const double tx = x(t0 + static_cast<TimeValue>(v));
    fmt::format_to(it, "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>\n", tx, tx, up + h, up + h + 4);
    fmt::format_to(it, "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" stroke=\"none\" fill=\"#333\">{}</text>\n",
                   tx, up + h + 16, tick_label(v));
  }
  fmt::format_to(it, "</g>\n");
  fmt::format_to(it, "<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">time ({})</text>\n", left + w / 2,
                 options.height - 10, escape(options.time_unit));

  fmt::format_to(it, "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" stroke=\"#999\"/>\n",
                 left, up, w, h);
  std::vector<double> group_area;
  for (BufferId b = 0; b < problem.buffers().size(); ++b) {
    const std::uint32_t group = options.groups.empty() ? b : options.groups[b];
    const bool marked = std::binary_search(options.marked.begin(), options.marked.end(), b);
    fmt::format_to(it, "<g fill=\"{}\"{}><title>{}{}</title>\n", colour(group),
                   marked ? " class=\"clobbered\" stroke=\"#e00\" stroke-width=\"2\"" : "",
                   escape(problem.buffers()[b].name), marked ? " (read after being overwritten)" : "");
    for (const Piece& p : problem.pieces_of(b)) {
      if (p.lifespan.length() == 0) continue;
      const double x0 = x(p.lifespan.lower), x1 = x(p.lifespan.upper);
      const double y1 = y(offsets[b] + p.offset), y0 = y(offsets[b] + p.offset + p.size);
      fmt::format_to(it, "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\"/>\n", x0, y0,
                     std::max(x1 - x0, 0.5), std::max(y1 - y0, 0.5));
      if (group >= group_area.size()) group_area.resize(group + 1, 0.0);
      group_area[group] += static_cast<double>(p.size) * static_cast<double>(p.lifespan.length());
    }
    fmt::format_to(it, "</g>\n");
  }
  // Live bytes over time: the sum of the pieces alive at each moment, a step line over the
  // blocks. Where the plan's peak stands above it, the plan leaves gaps.
  {
    std::vector<std::pair<TimeValue, std::int64_t>> changes;
    for (const Piece& p : problem.pieces()) {
      if (p.lifespan.length() == 0) continue;
      changes.emplace_back(p.lifespan.lower, static_cast<std::int64_t>(p.size));
      changes.emplace_back(p.lifespan.upper, -static_cast<std::int64_t>(p.size));
    }
    std::sort(changes.begin(), changes.end());
    std::string path;
    std::int64_t live = 0;
    for (std::size_t i = 0; i < changes.size();) {
      const TimeValue t = changes[i].first;
      const double before = y(static_cast<Offset>(live));
      for (; i < changes.size() && changes[i].first == t; ++i) live += changes[i].second;
      path += fmt::format("{}{:.1f},{:.1f} L{:.1f},{:.1f} ", path.empty() ? "M" : "L", x(t), before, x(t),
                          y(static_cast<Offset>(live)));
    }
    if (!path.empty())
      fmt::format_to(it, "<path class=\"live-bytes\" d=\"{}\" fill=\"none\" stroke=\"#222\" stroke-width=\"1\"/>\n"
                         "<text class=\"label live\" x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#222\">— live bytes</text>\n",
                     path, left + w + 6, up + h);
  }
  // Peak and lower bound: lines across the data, labels in the right margin, never on the data;
  // when the two are close the lower one's label moves down.
  const double label_x = left + w + 6;
  const double peak_y = y(peak);
  fmt::format_to(it,
                 "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#d00\" stroke-width=\"1.5\"/>\n"
                 "<text class=\"label peak\" x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#d00\">peak {}</text>\n",
                 left, left + w, peak_y, peak_y, label_x, peak_y + 4, mib(peak));
  if (problem.lower_bound()) {
    const double bound_y = y(problem.lower_bound());
    const double text_y = std::max(bound_y + 4, peak_y + 18);
    fmt::format_to(it,
                   "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#06c\" stroke-dasharray=\"6 4\"/>\n"
                   "<text class=\"label bound\" x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#06c\">lower bound {}</text>\n",
                   left, left + w, bound_y, bound_y, label_x, text_y, mib(problem.lower_bound()));
  }
  if (legend) {
    std::vector<std::uint32_t> order;
    for (std::uint32_t g = 0; g < group_area.size(); ++g)
      if (group_area[g] > 0 && g < options.group_names.size()) order.push_back(g);
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return group_area[a] > group_area[b]; });
    const std::size_t shown = std::min<std::size_t>(order.size(), static_cast<std::size_t>((h - 60) / 16));
    const double lx = left + w + 146;
    fmt::format_to(it, "<g class=\"legend\">\n<text x=\"{:.1f}\" y=\"{:.1f}\" font-weight=\"bold\">largest (bytes x time)</text>\n",
                   lx, up + 10);
    for (std::size_t i = 0; i < shown; ++i) {
      const double ly = up + 28 + 16 * static_cast<double>(i);
      fmt::format_to(it, "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"10\" height=\"10\" fill=\"{}\"/>"
                         "<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n",
                     lx, ly - 9, colour(order[i]), lx + 14, ly, escape(options.group_names[order[i]]));
    }
    if (shown < order.size())
      fmt::format_to(it, "<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#666\">and {} more</text>\n", lx,
                     up + 28 + 16 * static_cast<double>(shown), order.size() - shown);
    fmt::format_to(it, "</g>\n");
  }
  fmt::format_to(it, "</svg>\n");
  return fmt::to_string(out);
}

}  // namespace tetris::memmgr
