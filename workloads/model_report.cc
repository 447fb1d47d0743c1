#include "workloads/model_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <nlohmann/json.hpp>

#include "common/text.h"

namespace tetris::workloads {
namespace {

// 4089184256 -> "4.09 G": for the reader's eye; the exact figure is printed beside it.
std::string short_count(std::uint64_t value) {
  if (value >= 1'000'000'000) return fmt::format("{:.2f} G", static_cast<double>(value) / 1e9);
  if (value >= 1'000'000) return fmt::format("{:.2f} M", static_cast<double>(value) / 1e6);
  if (value >= 1'000) return fmt::format("{:.2f} k", static_cast<double>(value) / 1e3);
  return fmt::format("{}", value);
}

std::string mib(std::uint64_t bytes) {
  return fmt::format("{:.2f} MiB", static_cast<double>(bytes) / (1 << 20));
}

std::uint64_t weight_bytes(const Model& model, const ModelLayer& layer) {
  std::uint64_t bytes = 0;
  for (const TensorId w : layer.weights) bytes += model.tensors[w].bytes;  // bounded by the totals
  return bytes;
}

}  // namespace

std::string format_model_table(const Model& model) {
  fmt::memory_buffer buffer;
  auto out = std::back_inserter(buffer);
  fmt::format_to(out, "model {} ({}): {} layers, batch {}, {}-byte elements\n\n", model.name, model.source,
                 model.layers.size(), model.options.batch, model.options.element_bytes);
  std::size_t name_width = 5;
  for (const ModelLayer& layer : model.layers) name_width = std::max(name_width, layer.name.size());
  // A pruned model also shows each layer's share of nonzero weights (and its busiest lane's).
  const bool pruned = std::any_of(model.layers.begin(), model.layers.end(),
                                  [](const ModelLayer& l) { return l.weight_density < 1; });
  fmt::format_to(out, "{:>5}  {:<{}}  {:<15}  {:<20}  {:>14}  {:>14}{}\n", "#", "layer", name_width, "op",
                 "output (NxCxHxW)", "MACs", "element ops", pruned ? "   nonzero (busiest lane)" : "");
  for (std::size_t i = 0; i < model.layers.size(); ++i) {
    const ModelLayer& layer = model.layers[i];
    const std::string density = pruned && layer.weight_density < 1
                                    ? fmt::format("   {:>6.1f}% ({:.1f}%)", layer.weight_density * 100,
                                                  layer.busiest_density * 100)
                                    : "";
    fmt::format_to(out, "{:>5}  {:<{}}  {:<15}  {:<20}  {:>14}  {:>14}{}\n", i, layer.name, name_width,
                   to_string(layer.op), model.tensors[layer.output].shape.to_string(), layer.macs,
                   layer.element_ops, density);
  }
  const ModelTotals& t = model.totals;
  fmt::format_to(out, "\nMACs          {:>16}  ({})\n", t.macs, short_count(t.macs));
  fmt::format_to(out, "element ops   {:>16}  ({})\n\n", t.element_ops, short_count(t.element_ops));
  fmt::format_to(out, "{:<10}  {:>8}  {:>16}  {:>14}\n", "tensors", "count", "bytes", "size");
  for (std::size_t k = 0; k < t.per_kind.size(); ++k)
    fmt::format_to(out, "{:<10}  {:>8}  {:>16}  {:>14}\n", to_string(static_cast<TensorKind>(k)),
                   t.per_kind[k].count, t.per_kind[k].bytes, mib(t.per_kind[k].bytes));
  return fmt::to_string(buffer);
}

std::string model_to_json(const Model& model) {
  nlohmann::ordered_json json;
  json["name"] = model.name;
  json["source"] = model.source;
  json["batch"] = model.options.batch;
  json["element_bytes"] = model.options.element_bytes;
  json["layers"] = nlohmann::ordered_json::array();
  for (const ModelLayer& layer : model.layers) {
    const Shape& s = model.tensors[layer.output].shape;
    nlohmann::ordered_json inputs = nlohmann::ordered_json::array();
    for (const TensorId in : layer.inputs) inputs.push_back(model.tensors[in].name);
    json["layers"].push_back({{"name", layer.name},
                              {"op", std::string(to_string(layer.op))},
                              {"inputs", inputs},
                              {"output", model.tensors[layer.output].name},
                              {"shape", {s.n, s.c, s.h, s.w}},
                              {"macs", layer.macs},
                              {"element_ops", layer.element_ops},
                              {"weight_bytes", weight_bytes(model, layer)}});
    if (layer.weight_density < 1) {
      json["layers"].back()["weight_density"] = layer.weight_density;
      json["layers"].back()["busiest_density"] = layer.busiest_density;
    }
  }
  json["totals"]["macs"] = model.totals.macs;
  json["totals"]["element_ops"] = model.totals.element_ops;
  for (std::size_t k = 0; k < model.totals.per_kind.size(); ++k)
    json["totals"]["tensors"][std::string(to_string(static_cast<TensorKind>(k)))] = {
        {"count", model.totals.per_kind[k].count}, {"bytes", model.totals.per_kind[k].bytes}};
  return json_text(json, 2) + "\n";
}

}  // namespace tetris::workloads
