#include "common/trace_summary.h"

#include <iterator>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "common/text.h"

namespace tetris {

TraceSummary summarize(const Program& program) {
  TraceSummary s;
  s.cores = program.cores;
  s.element_bytes = program.element_bytes;
  s.layers = program.layers.size();
  s.per_core.resize(program.streams.size());
  for (std::size_t core = 0; core < program.streams.size(); ++core) {
    CoreSummary& c = s.per_core[core];
    for (const Instruction& instruction : program.streams[core]) {
      std::visit(
          [&](const auto& op) {
            using T = std::decay_t<decltype(op)>;
            if constexpr (std::is_same_v<T, Load>) {
              ++c.loads;
              c.bytes_loaded += op.range.bytes();
              if (op.multicast) ++s.multicast_loads;
            } else if constexpr (std::is_same_v<T, Store>) {
              ++c.stores;
              c.bytes_stored += op.range.bytes();
            } else if constexpr (std::is_same_v<T, Compute>) {
              ++c.computes;
              (op.op == ComputeOp::conv || op.op == ComputeOp::fc ? c.macs : c.element_ops) += op.work;
            } else if constexpr (std::is_same_v<T, Barrier>) {
              ++c.barriers;
            } else if constexpr (std::is_same_v<T, Signal>) {
              ++c.signals;
            } else {
              ++c.waits;
            }
          },
          instruction.op);
    }
  }
  s.multicast_groups = program.multicasts.size();
  for (const Tensor& t : program.tensors) {
    auto& totals = s.per_kind[static_cast<std::size_t>(t.kind)];
    ++totals.count;
    totals.bytes += t.bytes;
    ++s.all_tensors.count;
    s.all_tensors.bytes += t.bytes;
  }
  return s;
}

std::string format_summary_table(const TraceSummary& s) {
  fmt::memory_buffer buffer;
  auto out = std::back_inserter(buffer);
  fmt::format_to(out, "{} cores, {}-byte elements, {} layers\n\n", s.cores, s.element_bytes, s.layers);
  fmt::format_to(out, "{:>4} {:>12} {:>10} {:>10} {:>10} {:>8} {:>8} {:>8} {:>14} {:>14} {:>14}\n", "core",
                 "instructions", "loads", "stores", "computes", "barriers", "signals", "waits",
                 "bytes loaded", "bytes stored", "MACs");
  CoreSummary total;
  for (std::size_t i = 0; i < s.per_core.size(); ++i) {
    const CoreSummary& c = s.per_core[i];
    fmt::format_to(out, "{:>4} {:>12} {:>10} {:>10} {:>10} {:>8} {:>8} {:>8} {:>14} {:>14} {:>14}\n", i,
                   c.instructions(), c.loads, c.stores, c.computes, c.barriers, c.signals, c.waits,
                   c.bytes_loaded, c.bytes_stored, c.macs);
    total.loads += c.loads, total.stores += c.stores, total.computes += c.computes;
    total.barriers += c.barriers, total.signals += c.signals, total.waits += c.waits;
    total.bytes_loaded += c.bytes_loaded, total.bytes_stored += c.bytes_stored, total.macs += c.macs;
  }
  fmt::format_to(out, "{:>4} {:>12} {:>10} {:>10} {:>10} {:>8} {:>8} {:>8} {:>14} {:>14} {:>14}\n\n", "all",
                 total.instructions(), total.loads, total.stores, total.computes, total.barriers,
                 total.signals, total.waits, total.bytes_loaded, total.bytes_stored, total.macs);
  fmt::format_to(out, "{:<10} {:>8} {:>16}\n", "tensors", "count", "bytes");
  for (std::size_t k = 0; k < s.per_kind.size(); ++k)
    fmt::format_to(out, "{:<10} {:>8} {:>16}\n", to_string(static_cast<TensorKind>(k)), s.per_kind[k].count,
                   s.per_kind[k].bytes);
  fmt::format_to(out, "{:<10} {:>8} {:>16}\n", "all", s.all_tensors.count, s.all_tensors.bytes);
  if (s.multicast_groups > 0)
    fmt::format_to(out, "\nmulticast: {} groups of {} loads (counted above on each core)\n", s.multicast_groups,
                   s.multicast_loads);
  return fmt::to_string(buffer);
}

std::string summary_to_json(const TraceSummary& s) {
  nlohmann::ordered_json json;
  json["cores"] = s.cores;
  json["element_bytes"] = s.element_bytes;
  json["layers"] = s.layers;
  json["per_core"] = nlohmann::ordered_json::array();
  for (const CoreSummary& c : s.per_core)
    json["per_core"].push_back({{"instructions", c.instructions()}, {"loads", c.loads}, {"stores", c.stores},
                                {"computes", c.computes}, {"barriers", c.barriers}, {"signals", c.signals},
                                {"waits", c.waits}, {"bytes_loaded", c.bytes_loaded},
                                {"bytes_stored", c.bytes_stored}, {"macs", c.macs},
                                {"element_ops", c.element_ops}});
  for (std::size_t k = 0; k < s.per_kind.size(); ++k)
    json["tensors"][std::string(to_string(static_cast<TensorKind>(k)))] = {{"count", s.per_kind[k].count},
                                                                         {"bytes", s.per_kind[k].bytes}};
  json["tensors"]["all"] = {{"count", s.all_tensors.count}, {"bytes", s.all_tensors.bytes}};
  if (s.multicast_groups > 0) json["multicast"] = {{"groups", s.multicast_groups}, {"loads", s.multicast_loads}};
  return json_text(json, 2) + "\n";
}

}  // namespace tetris
