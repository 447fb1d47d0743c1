#include "common/plan_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "common/file_io.h"
#include "common/input_error.h"
#include "common/text.h"

namespace tetris {

std::string plan_to_yaml(const PlanFile& plan) {
  fmt::memory_buffer out;
  auto it = std::back_inserter(out);
  // Names are quoted with JSON escaping, which YAML reads as double-quoted scalars.
  auto quoted = [](const std::string& s) { return json_text(nlohmann::json(s)); };
  fmt::format_to(it, "# Tetris plan: base offset of every buffer, in bytes\n");
  fmt::format_to(it, "planner: {}\nproblem: {}\nseed: {}\npeak_bytes: {}\nlower_bound_bytes: {}\n", plan.planner,
                 quoted(plan.problem), plan.seed, plan.peak_bytes, plan.lower_bound_bytes);
  if (plan.capacity_bytes) fmt::format_to(it, "capacity_bytes: {}\n", *plan.capacity_bytes);
  fmt::format_to(it, "plan_seconds: {:.3f}\ngenerations: {}\n", plan.plan_seconds, plan.generations);
  if (!plan.tool.empty()) fmt::format_to(it, "tool: {}\n", quoted(plan.tool));
  fmt::format_to(it, "offsets:\n");
  for (const auto& [name, offset] : plan.offsets) fmt::format_to(it, "  {}: {}\n", quoted(name), offset);
  return fmt::to_string(out);
}

std::string plan_to_json(const PlanFile& plan) {
  nlohmann::ordered_json json;
  json["planner"] = plan.planner;
  json["problem"] = plan.problem;
  json["seed"] = plan.seed;
  json["peak_bytes"] = plan.peak_bytes;
  json["lower_bound_bytes"] = plan.lower_bound_bytes;
  if (plan.capacity_bytes) json["capacity_bytes"] = *plan.capacity_bytes;
  json["plan_seconds"] = std::round(plan.plan_seconds * 1000) / 1000;
  json["generations"] = plan.generations;
  if (!plan.tool.empty()) json["tool"] = plan.tool;
  json["offsets"] = nlohmann::ordered_json::object();
  for (const auto& [name, offset] : plan.offsets) json["offsets"][name] = offset;
  return json_text(json, 2) + "\n";
}

namespace {

SourceLocation at(const YAML::Node& node, std::string_view file) {
  const auto mark = node.Mark();
  return {std::string(file), mark.line < 0 ? 0 : static_cast<std::uint64_t>(mark.line) + 1,
          mark.column < 0 ? 0 : static_cast<std::uint64_t>(mark.column) + 1};
}

template <typename T>
T scalar(const YAML::Node& root, const char* key, std::string_view file, bool required = true, T fallback = {}) {
  const YAML::Node node = root[key];
  if (!node) {
    if (required) throw InputError(at(root, file), fmt::format("the plan has no '{}'", key));
    return fallback;
  }
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    throw InputError(at(node, file), fmt::format("'{}' has the wrong type", key));
  }
}

}  // namespace

static PlanFile read_plan_node(std::string_view text, std::string_view file);

PlanFile read_plan(std::string_view text, std::string_view file) {
  // Any conversion yaml-cpp refuses (a list as a key, say) is bad input, never a crash.
  try {
    return read_plan_node(text, file);
  } catch (const YAML::Exception& e) {
    throw InputError({std::string(file), e.mark.line < 0 ? 0 : static_cast<std::uint64_t>(e.mark.line) + 1, 0},
                     fmt::format("malformed plan: {}", e.msg));
  }
}

static PlanFile read_plan_node(std::string_view text, std::string_view file) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw InputError({std::string(file), static_cast<std::uint64_t>(e.mark.line) + 1, 0},
                     fmt::format("malformed plan: {}", e.msg));
  }
  if (!root.IsMap()) throw InputError({std::string(file)}, "a plan must be a mapping with 'offsets'");
  static const char* kKnown[] = {"planner", "problem", "seed", "peak_bytes", "lower_bound_bytes",
                                 "capacity_bytes", "plan_seconds", "generations", "tool", "offsets"};
  for (const auto& entry : root) {
    const std::string key = entry.first.as<std::string>();
    if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown))
      throw InputError(at(entry.first, file), fmt::format("unknown key '{}' in a plan", key));
  }
  PlanFile plan;
  plan.planner = scalar<std::string>(root, "planner", file, false, "unknown");
  plan.problem = scalar<std::string>(root, "problem", file, false);
  plan.seed = scalar<std::uint64_t>(root, "seed", file, false);
  plan.peak_bytes = scalar<std::uint64_t>(root, "peak_bytes", file, false);
  plan.lower_bound_bytes = scalar<std::uint64_t>(root, "lower_bound_bytes", file, false);
  if (root["capacity_bytes"]) plan.capacity_bytes = scalar<std::uint64_t>(root, "capacity_bytes", file);
  plan.plan_seconds = scalar<double>(root, "plan_seconds", file, false);
  plan.generations = scalar<std::uint64_t>(root, "generations", file, false);
  plan.tool = scalar<std::string>(root, "tool", file, false);
  const YAML::Node offsets = root["offsets"];
  if (!offsets || !offsets.IsMap())
    throw InputError(at(offsets ? offsets : root, file), "'offsets' must map each buffer name to its base offset");
  std::map<std::string, int> seen;
  for (const auto& entry : offsets) {
    const std::string name = entry.first.as<std::string>();
    if (seen[name]++) throw InputError(at(entry.first, file), fmt::format("buffer '{}' is listed twice", name));
    const std::string value = entry.second.IsScalar() ? entry.second.Scalar() : "";
    std::uint64_t offset = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), offset);
    if (value.empty() || ec != std::errc() || ptr != value.data() + value.size())
      throw InputError(at(entry.second, file),
                       fmt::format("the offset of '{}' must be a non-negative integer, got '{}'", name, value));
    plan.offsets.emplace_back(name, offset);
  }
  return plan;
}

PlanFile read_plan_file(const std::string& path) { return read_plan(read_text_file(path), path); }

std::uint64_t plan_footprint(const PlanFile& plan, std::uint64_t reach, std::string_view file) {
  if (plan.peak_bytes == 0) return reach;
  if (plan.peak_bytes < reach || plan.peak_bytes - reach >= kMaxPeakRounding)
    throw InputError({std::string(file)},
                     fmt::format("peak_bytes {} in the header, but the offsets reach {} (a header may round up by "
                                 "less than {} bytes)",
                                 plan.peak_bytes, reach, kMaxPeakRounding));
  return plan.peak_bytes;
}

}  // namespace tetris
