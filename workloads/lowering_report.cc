#include "workloads/lowering_report.h"

#include <algorithm>
#include <iterator>
#include <numeric>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/text.h"

namespace tetris::workloads {

LoweringSummary summarize_lowering(const Program& program, LoweringLabels labels) {
  LoweringSummary s;
  s.labels = std::move(labels);
  s.cores = program.cores;
  s.element_bytes = program.element_bytes;
  s.layers.resize(program.layers.size());
  for (std::size_t i = 0; i < program.layers.size(); ++i) {
    s.layers[i].name = program.layers[i].name;
    s.layers[i].op = program.layers[i].op;
    s.layers[i].tiles.assign(program.cores, 0);
  }
  s.instructions.assign(program.cores, 0);
  LayerLoweringSummary none;  // instructions outside any layer
  none.tiles.assign(program.cores, 0);
  for (CoreId c = 0; c < program.streams.size(); ++c) {
    s.instructions[c] = program.streams[c].size();
    for (const Instruction& instruction : program.streams[c]) {
      LayerLoweringSummary& l = instruction.layer ? s.layers[*instruction.layer] : none;
      ++l.instructions;
      std::visit(
          [&](const auto& op) {
            using T = std::decay_t<decltype(op)>;
            if constexpr (std::is_same_v<T, Load>) {
              l.bytes_loaded += op.range.bytes();
            } else if constexpr (std::is_same_v<T, Store>) {
              l.bytes_stored += op.range.bytes();
            } else if constexpr (std::is_same_v<T, Compute>) {
              ++l.tiles[c];
              (op.op == ComputeOp::conv || op.op == ComputeOp::fc ? l.macs : l.element_ops) += op.work;
            } else if constexpr (std::is_same_v<T, Barrier>) {
              ++s.barriers;
            } else if constexpr (std::is_same_v<T, Signal>) {
              ++s.signals;
            } else {
              ++s.waits;
            }
          },
          instruction.op);
    }
  }
  for (const LayerLoweringSummary& l : s.layers) {
    s.macs += l.macs, s.element_ops += l.element_ops;
    s.bytes_loaded += l.bytes_loaded, s.bytes_stored += l.bytes_stored;
  }
  s.macs += none.macs, s.element_ops += none.element_ops;
  s.bytes_loaded += none.bytes_loaded, s.bytes_stored += none.bytes_stored;
  for (const Tensor& t : program.tensors) (t.kind == TensorKind::weight ? s.weight_bytes : s.activation_bytes) += t.bytes;
  s.multicast_groups = program.multicasts.size();
  for (CoreId c = 0; c < program.streams.size(); ++c)
    for (const Instruction& i : program.streams[c])
      if (const auto* load = std::get_if<Load>(&i.op); load && load->multicast) {
        ++s.multicast_loads;
        if (program.multicasts.at(*load->multicast).front() != c) s.multicast_bytes += load->range.bytes();
      }
  return s;
}

std::string format_lowering_table(const LoweringSummary& s) {
  fmt::memory_buffer buffer;
  auto out = std::back_inserter(buffer);
  const LoweringLabels& l = s.labels;
  fmt::format_to(out, "lowered {} onto {} ({} cores): batch {}, {}-byte elements, sync {}, partition {}, fusion {}, "
                 "schedule {}, blocks {}\n\n",
                 l.model, l.config, s.cores, l.batch, s.element_bytes, l.sync, l.partition,
                 !l.fused ? "off" : l.fused_residual ? "on+residual" : "on", l.schedule, l.blocks);
  std::size_t name_width = 5, op_width = 2;
  for (const auto& layer : s.layers)
    name_width = std::max(name_width, layer.name.size()), op_width = std::max(op_width, layer.op.size());
  const auto row = [&](auto id, std::string_view name, std::string_view op, auto macs, auto element_ops,
                       auto loaded, auto stored, auto tiles, auto instructions) {
    fmt::format_to(out, "{:>5}  {:<{}}  {:<{}}  {:>14}  {:>12}  {:>14}  {:>14}  {:>13}  {:>12}\n", id, name,
                   name_width, op, op_width, macs, element_ops, loaded, stored, tiles, instructions);
  };
  row("#", "layer", "op", "MACs", "element ops", "bytes loaded", "bytes stored", "tiles/core", "instructions");
  for (std::size_t i = 0; i < s.layers.size(); ++i) {
    const LayerLoweringSummary& layer = s.layers[i];
    const auto [lo, hi] = std::minmax_element(layer.tiles.begin(), layer.tiles.end());
    const std::string tiles = *lo == *hi ? fmt::format("{}", *hi) : fmt::format("{}-{}", *lo, *hi);
    row(i, layer.name, layer.op, layer.macs, layer.element_ops, layer.bytes_loaded, layer.bytes_stored,
        layer.instructions == 0 ? std::string("-") : tiles, layer.instructions);
  }
  const std::uint64_t all = std::accumulate(s.instructions.begin(), s.instructions.end(), std::uint64_t{0});
  row("", "all", "", s.macs, s.element_ops, s.bytes_loaded, s.bytes_stored, "", all);
  const auto [lo, hi] = std::minmax_element(s.instructions.begin(), s.instructions.end());
  fmt::format_to(out, "\ninstructions per core {}-{}; barriers {}, signals {}, waits {}\n",
                 s.instructions.empty() ? 0 : *lo, s.instructions.empty() ? 0 : *hi, s.barriers, s.signals, s.waits);
  fmt::format_to(out, "tensors: {} bytes of inputs, activations and outputs; {} bytes of weights\n", s.activation_bytes,
                 s.weight_bytes);
  if (s.multicast_groups > 0)
    fmt::format_to(out, "multicast: {} groups of {} loads; the memory reads {} bytes fewer than the cores load\n",
                   s.multicast_groups, s.multicast_loads, s.multicast_bytes);
  return fmt::to_string(buffer);
}

std::string lowering_to_json(const LoweringSummary& s) {
  nlohmann::ordered_json json;
  json["model"] = s.labels.model;
  json["config"] = s.labels.config;
  json["cores"] = s.cores;
  json["batch"] = s.labels.batch;
  json["element_bytes"] = s.element_bytes;
  json["sync"] = s.labels.sync;
  json["partition"] = s.labels.partition;
  json["fused"] = s.labels.fused;
  json["fused_residual"] = s.labels.fused_residual;
  json["schedule"] = s.labels.schedule;
  json["blocks"] = s.labels.blocks;
  auto& layers = json["layers"] = nlohmann::ordered_json::array();
  for (const LayerLoweringSummary& l : s.layers)
    layers.push_back({{"name", l.name},
                      {"op", l.op},
                      {"macs", l.macs},
                      {"element_ops", l.element_ops},
                      {"bytes_loaded", l.bytes_loaded},
                      {"bytes_stored", l.bytes_stored},
                      {"tiles", l.tiles},
                      {"instructions", l.instructions}});
  json["totals"] = {{"macs", s.macs},
                    {"element_ops", s.element_ops},
                    {"bytes_loaded", s.bytes_loaded},
                    {"bytes_stored", s.bytes_stored},
                    {"instructions", s.instructions},
                    {"barriers", s.barriers},
                    {"signals", s.signals},
                    {"waits", s.waits},
                    {"activation_bytes", s.activation_bytes},
                    {"weight_bytes", s.weight_bytes}};
  if (s.multicast_groups > 0)  // only where the machine multicasts: other reports stay as they were
    json["multicast"] = {{"groups", s.multicast_groups}, {"loads", s.multicast_loads}, {"bytes_not_read", s.multicast_bytes}};
  return json_text(json, 2) + "\n";
}

}  // namespace tetris::workloads
