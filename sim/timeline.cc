#include "sim/timeline.h"

#include <algorithm>
#include <iterator>
#include <span>
#include <vector>

#include <fmt/format.h>

#include "sim/core_model.h"

namespace tetris::sim {
namespace {

// JSON string contents: quotes, backslashes and control characters escaped.
std::string escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    else out += c;
  }
  return out;
}

constexpr const char* kUnitNames[] = {"load", "compute", "store", "sync"};

}  // namespace

std::vector<std::uint32_t> timeline_lanes(std::span<const TimelineEvent> events) {
  std::vector<std::uint32_t> order(events.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return events[a].start < events[b].start; });
  std::vector<std::uint32_t> lanes(events.size(), 0);
  std::vector<std::vector<std::uint64_t>> lane_ends(4);  // per unit: when each lane is free again
  for (const std::uint32_t i : order) {
    std::vector<std::uint64_t>& ends = lane_ends[static_cast<std::size_t>(events[i].unit)];
    std::size_t lane = 0;
    while (lane < ends.size() && ends[lane] > events[i].start) ++lane;
    if (lane == ends.size()) ends.push_back(0);
    ends[lane] = events[i].end;
    lanes[i] = static_cast<std::uint32_t>(lane);
  }
  return lanes;
}

std::string timeline_to_trace_events(const RunResult& run, const Program& program) {
  const double us_per_cycle = 1.0 / static_cast<double>(run.clock_mhz ? run.clock_mhz : 1000);
  fmt::memory_buffer out;
  auto it = std::back_inserter(out);
  fmt::format_to(it, "{{\"displayTimeUnit\":\"ns\",\"otherData\":{{\"cycles\":{},\"clock_mhz\":{}}},\"traceEvents\":[\n",
                 run.cycles, run.clock_mhz);
  bool first = true;
  const auto separator = [&] {
    const char* s = first ? "" : ",\n";
    first = false;
    return s;
  };
  for (std::size_t core = 0; core < run.timeline.size(); ++core) {
    fmt::format_to(it, "{}{{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":{},\"args\":{{\"name\":\"core {}\"}}}}",
                   separator(), core, core);
    const std::vector<std::uint32_t> lanes = timeline_lanes(run.timeline[core]);
    std::uint32_t lane_count = 1;
    for (const std::uint32_t lane : lanes) lane_count = std::max(lane_count, lane + 1);
    // A unit with several requests in flight gets a track per request slot, so no track holds
    // overlapping slices (trace viewers would nest them as if one called the other).
    for (std::uint32_t lane = 0; lane < lane_count; ++lane)
      for (int unit = 0; unit < 4; ++unit) {
        if (lane > 0 && (unit == 1 || unit == 3)) continue;
        const std::string name = lane == 0 ? std::string(kUnitNames[unit]) : fmt::format("{} {}", kUnitNames[unit], lane + 1);
        fmt::format_to(it, "{}{{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":{},\"tid\":{},\"args\":{{\"name\":\"{}\"}}}}",
                       separator(), core, unit + 4 * static_cast<int>(lane), name);
      }
    for (std::size_t i = 0; i < run.timeline[core].size(); ++i) {
      const TimelineEvent& e = run.timeline[core][i];
      const auto unit = static_cast<int>(e.unit);
      const std::string name = e.unit == TimelineEvent::Unit::sync ? std::string("sync wait")
                               : e.layer < program.layers.size()   ? escaped(program.layers[e.layer].name)
                                                                   : std::string(kUnitNames[unit]);
      fmt::format_to(it,
                     "{}{{\"ph\":\"X\",\"name\":\"{}\",\"cat\":\"{}\",\"pid\":{},\"tid\":{},\"ts\":{:.3f},\"dur\":{:.3f},"
                     "\"args\":{{\"instruction\":{},\"start_cycle\":{},\"end_cycle\":{}}}}}",
                     separator(), name, kUnitNames[unit], core, unit + 4 * static_cast<int>(lanes[i]),
                     static_cast<double>(e.start) * us_per_cycle, static_cast<double>(e.end - e.start) * us_per_cycle,
                     e.instruction, e.start, e.end);
    }
  }
  // The shared memory: when its bus moved beats.
  const std::size_t memory = run.timeline.size();
  fmt::format_to(it, "{}{{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":{},\"args\":{{\"name\":\"memory\"}}}}",
                 separator(), memory);
  fmt::format_to(it, "{}{{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":{},\"tid\":0,\"args\":{{\"name\":\"bus busy\"}}}}",
                 separator(), memory);
  for (const auto& [begin, end] : run.memory_busy)
    fmt::format_to(it,
                   "{}{{\"ph\":\"X\",\"name\":\"busy\",\"cat\":\"memory\",\"pid\":{},\"tid\":0,\"ts\":{:.3f},"
                   "\"dur\":{:.3f},\"args\":{{\"start_cycle\":{},\"end_cycle\":{}}}}}",
                   separator(), memory, static_cast<double>(begin) * us_per_cycle,
                   static_cast<double>(end - begin) * us_per_cycle, begin, end);
  fmt::format_to(it, "\n]}}\n");
  return fmt::to_string(out);
}

}  // namespace tetris::sim
