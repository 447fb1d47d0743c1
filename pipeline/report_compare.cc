#include "pipeline/report_compare.h"

#include <filesystem>
#include <iterator>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "common/file_io.h"
#include "common/input_error.h"
#include "common/text.h"

namespace tetris::pipeline {
namespace {

using Json = nlohmann::json;

std::optional<double> number(const Json& row, const char* key) {
  if (!row.contains(key) || !row[key].is_number()) return std::nullopt;
  return row[key].get<double>();
}

std::string change(std::optional<double> a, std::optional<double> b) {
  if (!a || !b || *a == 0) return "-";
  return fmt::format("{:+.1f}%", 100.0 * (*b / *a - 1.0));
}

std::string safety(const Json* row) {
  if (!row) return "-";
  if (!row->contains("safe") || (*row)["safe"].is_null()) return "not simulated";
  return (*row)["safe"].get<bool>() ? "safe" : "UNSAFE";
}

std::string text_of(const Json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

}  // namespace

Json read_run_report(const std::string& path) {
  std::string file = path;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) file = (std::filesystem::path(path) / "report.json").string();
  Json report;
  try {
    report = Json::parse(read_text_file(file));
  } catch (const Json::parse_error& e) {
    throw InputError({file}, fmt::format("not JSON: {}", e.what()));
  }
  if (!report.is_object() || !report.contains("plans") || !report["plans"].is_array() || !report.contains("model"))
    throw InputError({file}, "not a run report (tetris run writes report.json with 'model' and 'plans')");
  for (const Json& row : report["plans"])
    if (!row.is_object() || !row.contains("planner") || !row.contains("liveness") || !row["peak_bytes"].is_number())
      throw InputError({file}, "a plan row lacks 'planner', 'liveness' or 'peak_bytes'");
  return report;
}

std::string compare_reports(const Json& a, const std::string& a_label, const Json& b, const std::string& b_label,
                            bool json) {
  // Settings: the provenance, plus the run's own headline fields.
  auto settings = [](const Json& r) {
    std::map<std::string, std::string> out;
    for (const char* key : {"model", "config", "cores", "sync", "partition", "seed"})
      if (r.contains(key)) out[key] = text_of(r[key]);
    if (r.contains("provenance") && r["provenance"].is_object())
      for (const auto& [key, value] : r["provenance"].items())
        if (key != "command" && key != "date") out[key] = text_of(value);  // differ between any two runs
    return out;
  };
  const auto sa = settings(a), sb = settings(b);
  std::vector<std::tuple<std::string, std::string, std::string>> differing;
  for (const auto& [key, value] : sa) {
    const auto other = sb.find(key);
    if (other == sb.end() || other->second != value) differing.emplace_back(key, value, other == sb.end() ? "-" : other->second);
  }
  for (const auto& [key, value] : sb)
    if (!sa.count(key)) differing.emplace_back(key, "-", value);

  // Plans by (planner, liveness), in A's order then B's new ones.
  std::vector<std::pair<std::string, std::string>> keys;
  std::map<std::pair<std::string, std::string>, std::pair<const Json*, const Json*>> rows;
  for (int side = 0; side < 2; ++side)
    for (const Json& row : (side == 0 ? a : b)["plans"]) {
      const auto key = std::make_pair(text_of(row["planner"]), text_of(row["liveness"]));
      if (!rows.count(key)) keys.push_back(key);
      (side == 0 ? rows[key].first : rows[key].second) = &row;
    }
  const auto value = [](const Json* row, const char* key) { return row ? number(*row, key) : std::nullopt; };
  const auto mib = [](std::optional<double> bytes) { return bytes ? fmt::format("{:.2f}", *bytes / 1048576.0) : "-"; };
  const auto whole = [](std::optional<double> v) { return v ? fmt::format("{:.0f}", *v) : "-"; };

  if (json) {
    nlohmann::ordered_json out;
    out["a"] = a_label;
    out["b"] = b_label;
    out["settings_that_differ"] = nlohmann::ordered_json::object();
    for (const auto& [key, va, vb] : differing) out["settings_that_differ"][key] = {{"a", va}, {"b", vb}};
    out["plans"] = nlohmann::ordered_json::array();
    for (const auto& key : keys) {
      const auto [ra, rb] = rows[key];
      nlohmann::ordered_json r = {{"planner", key.first}, {"liveness", key.second}};
      for (const char* field : {"peak_bytes", "cycles"}) {
        const auto va = value(ra, field), vb = value(rb, field);
        r[std::string(field) + "_a"] = va ? nlohmann::ordered_json(*va) : nlohmann::ordered_json(nullptr);
        r[std::string(field) + "_b"] = vb ? nlohmann::ordered_json(*vb) : nlohmann::ordered_json(nullptr);
        r[std::string(field) + "_change"] =
            va && vb && *va != 0 ? nlohmann::ordered_json(*vb / *va - 1.0) : nlohmann::ordered_json(nullptr);
      }
      r["safe_a"] = safety(ra);
      r["safe_b"] = safety(rb);
      out["plans"].push_back(r);
    }
    return out.dump(2) + "\n";
  }
  fmt::memory_buffer out;
  auto it = std::back_inserter(out);
  fmt::format_to(it, "A: {}\nB: {}\n\n", a_label, b_label);
  if (differing.empty()) {
    fmt::format_to(it, "settings: the same\n\n");
  } else {
    fmt::format_to(it, "{:<36} {:>28} {:>28}\n", "setting", "A", "B");
    for (const auto& [key, va, vb] : differing) fmt::format_to(it, "{:<36} {:>28} {:>28}\n", key, va, vb);
    fmt::format_to(it, "\n");
  }
  fmt::format_to(it, "{:<16} {:<11} {:>10} {:>10} {:>8} {:>11} {:>11} {:>8} {:>13} {:>13}\n", "planner", "liveness",
                 "A (MiB)", "B (MiB)", "change", "A cycles", "B cycles", "change", "A", "B");
  for (const auto& key : keys) {
    const auto [ra, rb] = rows[key];
    fmt::format_to(it, "{:<16} {:<11} {:>10} {:>10} {:>8} {:>11} {:>11} {:>8} {:>13} {:>13}\n", key.first, key.second,
                   mib(value(ra, "peak_bytes")), mib(value(rb, "peak_bytes")),
                   change(value(ra, "peak_bytes"), value(rb, "peak_bytes")), whole(value(ra, "cycles")),
                   whole(value(rb, "cycles")), change(value(ra, "cycles"), value(rb, "cycles")), safety(ra),
                   safety(rb));
  }
  return fmt::to_string(out);
}

}  // namespace tetris::pipeline
