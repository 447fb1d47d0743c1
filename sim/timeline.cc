#include "sim/timeline.h"

#include <iterator>

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
    for (int unit = 0; unit < 4; ++unit)
      fmt::format_to(it, "{}{{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":{},\"tid\":{},\"args\":{{\"name\":\"{}\"}}}}",
                     separator(), core, unit, kUnitNames[unit]);
    for (const TimelineEvent& e : run.timeline[core]) {
      const auto unit = static_cast<int>(e.unit);
      const std::string name = e.unit == TimelineEvent::Unit::sync ? std::string("sync wait")
                               : e.layer < program.layers.size()   ? escaped(program.layers[e.layer].name)
                                                                   : std::string(kUnitNames[unit]);
      fmt::format_to(it,
                     "{}{{\"ph\":\"X\",\"name\":\"{}\",\"cat\":\"{}\",\"pid\":{},\"tid\":{},\"ts\":{:.3f},\"dur\":{:.3f},"
                     "\"args\":{{\"instruction\":{},\"start_cycle\":{},\"end_cycle\":{}}}}}",
                     separator(), name, kUnitNames[unit], core, unit, static_cast<double>(e.start) * us_per_cycle,
                     static_cast<double>(e.end - e.start) * us_per_cycle, e.instruction, e.start, e.end);
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
