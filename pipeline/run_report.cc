#include "pipeline/run_report.h"

#include <iterator>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "common/text.h"
#include "pipeline/schedule_chart.h"

namespace tetris::pipeline {
namespace {

double mib(std::uint64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

// Reductions are against the no-reuse plan (topology level) and TensorFlow's BFC on tensor-level
// liveness under happens-before (how its runtime allocator sees a multi-core program, safe under
// p2p sync too); "x bound" is against the instruction-level lower bound.
// Only safe plans are compared: an unsafe plan gets no reduction, and an unsafe reference none
// to give (under p2p sync the topology-level plans read clobbered data).
struct Derived {
  std::optional<double> vs_naive, vs_bfc;
  double over_bound;
};

Derived derive(const RunReport& r, const PlanRow& row) {
  Derived d{};
  const bool comparable = row.safe();
  if (const PlanRow* naive = r.find("naive", "topology"); naive && comparable && naive->safe())
    d.vs_naive = 1.0 - static_cast<double>(row.peak_bytes) / static_cast<double>(naive->peak_bytes);
  // TF-BFC on tensor-level liveness under happens-before (safe under any sync); reports without
  // that row compare with the layer-order one.
  const PlanRow* bfc = r.find("tf-bfc", "tensor");
  if (!bfc) bfc = r.find("tf-bfc", "topology");
  if (bfc && comparable && bfc->safe())
    d.vs_bfc = 1.0 - static_cast<double>(row.peak_bytes) / static_cast<double>(bfc->peak_bytes);
  d.over_bound = r.instruction_bound ? static_cast<double>(row.peak_bytes) / static_cast<double>(r.instruction_bound) : 0;
  return d;
}

std::string percent(std::optional<double> v) { return v ? fmt::format("{:.1f}%", *v * 100) : "-"; }

std::string safety(const PlanRow& row) {
  if (row.over_arena) return fmt::format("NO FIT: +{} B", *row.over_arena);
  if (!row.conflicts) return "not simulated";
  if (row.deadlock) return "UNSAFE: deadlock";
  return *row.conflicts == 0 ? "0" : fmt::format("UNSAFE: {}", *row.conflicts);
}

const std::string* provenance_value(const RunReport& r, std::string_view key) {
  for (const auto& [k, v] : r.provenance)
    if (k == key) return &v;
  return nullptr;
}

std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) out += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : std::string(1, c);
  return out;
}

}  // namespace

const PlanRow* RunReport::find(std::string_view planner, std::string_view level) const {
  for (const PlanRow& row : rows)
    if (row.planner == planner && row.level == level) return &row;
  return nullptr;
}

std::string RunReport::table() const {
  fmt::memory_buffer out;
  auto it = std::back_inserter(out);
  fmt::format_to(it, "{} on {} ({} cores, {} sync, {} partition): {} instructions, {} tensors, {} pieces\n", model,
                 config, cores, sync, partition, instructions, tensors, pieces);
  {
    std::string settings;
    for (const char* key : {"batch", "schedule", "blocks", "fusion", "seed", "max_generations"})
      if (const std::string* v = provenance_value(*this, key)) settings += fmt::format("{}{} {}", settings.empty() ? "" : ", ", key, *v);
    std::string changed;
    for (const auto& [key, value] : provenance)
      if (value.ends_with(" (set by -p)")) changed += fmt::format(", {}={}", key, value.substr(0, value.size() - 12));
    if (!settings.empty()) fmt::format_to(it, "{}{}\n", settings, changed);
    if (const std::string* v = provenance_value(*this, "tetris_version")) fmt::format_to(it, "tetris {}\n", *v);
  }
  fmt::format_to(it, "lower bounds: topology level {:.2f} MiB, instruction level {:.2f} MiB\n", mib(topology_bound),
                 mib(instruction_bound));
  if (!peak_tensors.empty()) {
    constexpr std::size_t kShown = 5;
    std::string names;
    for (std::size_t i = 0; i < std::min(kShown, peak_tensors.size()); ++i)
      names += fmt::format("{}{} {:.2f} MiB", i ? ", " : "", peak_tensors[i].name, mib(peak_tensors[i].bytes));
    if (peak_tensors.size() > kShown) names += fmt::format(" and {} more", peak_tensors.size() - kShown);
    fmt::format_to(it, "live at the instruction-level bound: {}\n", names);
  }
  fmt::format_to(it, "\n");
  fmt::format_to(it, "{:<16} {:<11} {:>12} {:>11} {:>10} {:>13} {:>10} {:>11} {:>10}\n", "planner", "liveness",
                 "peak (MiB)", "vs no reuse", "vs tf-bfc", "x lower bound", "plan time", "cycles", "conflicts");
  for (const PlanRow& row : rows) {
    const Derived d = derive(*this, row);
    fmt::format_to(it, "{:<16} {:<11} {:>12.2f} {:>11} {:>10} {:>13.3f} {:>9.2f}{} {:>11} {:>10}\n", row.planner,
                   row.level, mib(row.peak_bytes), percent(d.vs_naive), percent(d.vs_bfc), d.over_bound,
                   row.plan_seconds, row.time_limited ? "*" : "s", row.cycles ? fmt::to_string(*row.cycles) : std::string("-"), safety(row));
  }
  if (!schedules.empty()) {
    fmt::format_to(it, "\nschedules tried for the memory budget (Tetris plan; cycles with the naive plan):\n");
    fmt::format_to(it, "{:<28} {:>12} {:>11} {:>5}\n", "schedule", "plan (MiB)", "cycles", "fits");
    for (const ScheduleTried& s : schedules)
      fmt::format_to(it, "{:<28} {:>12.2f} {:>11} {:>5}{}\n", s.schedule, mib(s.plan_bytes), s.cycles,
                     s.fits ? "yes" : "no", s.chosen ? "  <- chosen: the fastest that fits" : "");
  }
  std::size_t unsafe = 0, limited = 0, no_fit = 0;
  for (const PlanRow& row : rows) {
    unsafe += row.conflicts && !row.safe();
    no_fit += row.over_arena.has_value();
    limited += row.time_limited;
  }
  if (limited)
    fmt::format_to(it, "\n* seconds; the time limit stopped the search: this plan depends on the machine's speed "
                   "(--generations sets a budget that does not)\n");
  if (unsafe)
    fmt::format_to(it, "\n{} plan{} read clobbered data in simulation (UNSAFE): not compared; reductions are "
                   "against safe plans only\n", unsafe, unsafe == 1 ? "" : "s");
  if (no_fit)
    fmt::format_to(it, "\n{} plan{} do{} not fit the memory (NO FIT: bytes over the arena of {} bytes, "
                   "memory.capacity_bytes minus the weights): not simulated, not compared\n",
                   no_fit, no_fit == 1 ? "" : "s", no_fit == 1 ? "es" : "", arena_bytes);
  return fmt::to_string(out);
}

std::string RunReport::json() const {
  nlohmann::ordered_json json;
  json["model"] = model;
  json["config"] = config;
  json["cores"] = cores;
  json["sync"] = sync;
  json["partition"] = partition;
  json["seed"] = seed;
  json["instructions"] = instructions;
  json["tensors"] = tensors;
  json["pieces"] = pieces;
  json["topology_lower_bound_bytes"] = topology_bound;
  json["instruction_lower_bound_bytes"] = instruction_bound;
  if (!schedules.empty()) {
    json["memory_budget"] = memory_budget;
    json["schedules"] = nlohmann::ordered_json::array();
    for (const ScheduleTried& s : schedules)
      json["schedules"].push_back({{"schedule", s.schedule}, {"plan_bytes", s.plan_bytes}, {"cycles", s.cycles},
                                   {"fits", s.fits}, {"chosen", s.chosen}});
  }
  json["peak_tensors"] = nlohmann::ordered_json::array();
  for (const PeakTensor& t : peak_tensors) json["peak_tensors"].push_back({{"tensor", t.name}, {"bytes", t.bytes}});
  json["arena_bytes"] = arena_bytes;
  json["provenance"] = nlohmann::ordered_json::object();
  for (const auto& [key, value] : provenance) json["provenance"][key] = value;
  json["plans"] = nlohmann::ordered_json::array();
  for (const PlanRow& row : rows) {
    const Derived d = derive(*this, row);
    nlohmann::ordered_json r = {{"planner", row.planner}, {"liveness", row.level}, {"peak_bytes", row.peak_bytes}};
    r["reduction_vs_no_reuse"] = d.vs_naive ? nlohmann::json(*d.vs_naive) : nlohmann::json(nullptr);
    r["reduction_vs_tf_bfc"] = d.vs_bfc ? nlohmann::json(*d.vs_bfc) : nlohmann::json(nullptr);
    r["over_lower_bound"] = d.over_bound;
    r["plan_seconds"] = row.plan_seconds;
    r["generations"] = row.generations ? nlohmann::json(*row.generations) : nlohmann::json(nullptr);
    r["time_limited"] = row.time_limited;
    r["conflicts"] = row.conflicts ? nlohmann::json(*row.conflicts) : nlohmann::json(nullptr);
    r["safe"] = row.conflicts ? nlohmann::json(row.safe()) : nlohmann::json(nullptr);
    r["cycles"] = row.cycles ? nlohmann::json(*row.cycles) : nlohmann::json(nullptr);
    r["fits"] = !row.over_arena;
    r["over_arena_bytes"] = row.over_arena ? nlohmann::json(*row.over_arena) : nlohmann::json(nullptr);
    json["plans"].push_back(r);
  }
  return json_text(json, 2) + "\n";
}

std::string RunReport::csv() const {
  // Every row carries the run's provenance as trailing columns, so rows of merged runs (a sweep
  // over one config key) say what differed.
  std::string out = "model,cores,sync,planner,liveness,peak_bytes,reduction_vs_no_reuse,reduction_vs_tf_bfc,"
                    "over_lower_bound,plan_seconds,conflicts,cycles,generations,time_limited,over_arena_bytes";
  std::string trailing;
  for (const auto& [key, value] : provenance) {
    out += ',';
    out += csv_field(key);
    trailing += ',';
    trailing += csv_field(value);
  }
  out += "\n";
  for (const PlanRow& row : rows) {
    const Derived d = derive(*this, row);
    out += fmt::format("{},{},{},{},{},{},{},{},{:.4f},{:.3f},{},{},{},{},{}{}\n", csv_field(model), cores, sync,
                       row.planner, row.level, row.peak_bytes, d.vs_naive ? fmt::format("{:.4f}", *d.vs_naive) : "",
                       d.vs_bfc ? fmt::format("{:.4f}", *d.vs_bfc) : "", d.over_bound, row.plan_seconds,
                       row.conflicts ? fmt::to_string(*row.conflicts) : "", row.cycles ? fmt::to_string(*row.cycles) : "",
                       row.generations ? fmt::to_string(*row.generations) : "", row.time_limited ? 1 : 0,
                       row.over_arena ? fmt::to_string(*row.over_arena) : "", trailing);
  }
  return out;
}

std::string RunReport::html() const {
  fmt::memory_buffer out;
  auto it = std::back_inserter(out);
  fmt::format_to(it,
                 "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Tetris: {} on {}</title>\n"
                 "<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}"
                 "td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}td:first-child,td:nth-child(2)"
                 "{{text-align:left}}.plans{{display:flex;flex-wrap:wrap;gap:1em}}.plans figure{{margin:0}}"
                 "svg{{max-width:100%;height:auto}}</style></head><body>\n",
                 escape(model), escape(config));
  fmt::format_to(it, "<h1>{} on {}</h1>\n<p>{} cores, {} sync, {} partition; {} instructions, {} tensors, {} pieces. "
                 "Lower bounds: topology level {:.2f} MiB, instruction level {:.2f} MiB.</p>\n",
                 escape(model), escape(config), cores, sync, partition, instructions, tensors, pieces,
                 mib(topology_bound), mib(instruction_bound));
  if (!peak_tensors.empty()) {
    fmt::format_to(it, "<p>Live at the instruction-level bound:");
    for (std::size_t i = 0; i < peak_tensors.size(); ++i)
      fmt::format_to(it, "{} {} {:.2f} MiB", i ? "," : "", escape(peak_tensors[i].name), mib(peak_tensors[i].bytes));
    fmt::format_to(it, ".</p>\n");
  }
  fmt::format_to(it, "<table><tr><th>planner</th><th>liveness</th><th>peak (MiB)</th><th>vs no reuse</th>"
                 "<th>vs tf-bfc</th><th>× lower bound</th><th>plan time (s)</th><th>cycles</th><th>conflicts</th></tr>\n");
  for (const PlanRow& row : rows) {
    const Derived d = derive(*this, row);
    fmt::format_to(it, "<tr><td>{}</td><td>{}</td><td>{:.2f}</td><td>{}</td><td>{}</td><td>{:.3f}</td><td>{:.2f}</td>"
                   "<td>{}</td><td>{}</td></tr>\n",
                   row.planner, row.level, mib(row.peak_bytes), percent(d.vs_naive), percent(d.vs_bfc), d.over_bound,
                   row.plan_seconds, row.cycles ? fmt::to_string(*row.cycles) : std::string("-"), safety(row));
  }
  fmt::format_to(it, "</table>\n<details><summary>How this run was made</summary>\n<table class=\"provenance\">\n");
  for (const auto& [key, value] : provenance)
    fmt::format_to(it, "<tr><th>{}</th><td>{}</td></tr>\n", escape(key), escape(value));
  fmt::format_to(it, "</table>\n</details>\n");
  if (!bus_svg.empty()) fmt::format_to(it, "<h2>Memory bus over the Tetris plan's run</h2>\n{}", bus_svg);
  if (!schedules.empty())
    fmt::format_to(it, "<h2>Schedules tried for the memory budget of {} bytes</h2>\n{}", memory_budget,
                   schedules_svg(schedules, memory_budget));
  fmt::format_to(it, "<h2>Plans (address × time), all on one address scale</h2>\n<div class=\"plans\">\n");
  for (const PlanRow& row : rows)
    if (!row.svg.empty())
      fmt::format_to(it, "<figure>{}</figure>\n", row.svg);  // the picture's own title names the plan
  fmt::format_to(it, "</div>\n</body></html>\n");
  return fmt::to_string(out);
}

}  // namespace tetris::pipeline
