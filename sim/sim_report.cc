#include "sim/sim_report.h"

#include <type_traits>

#include <algorithm>
#include <map>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/text.h"
#include "sim/statistics.h"

namespace tetris::sim {
namespace {

using Key = std::tuple<int, CoreId, std::uint32_t, TensorId, CoreId, std::uint32_t, bool>;

Key key_of(const Conflict& c) {
  return {static_cast<int>(c.kind), c.core, c.index, c.writer.tensor, c.writer.core, c.writer.index,
          c.writer.preloaded};
}

std::string seed_text(const std::optional<std::uint64_t>& seed) {
  return seed ? fmt::format("jitter seed {}", *seed) : "exact timing";
}

nlohmann::json to_json(const StatValue& value) {
  if (std::holds_alternative<std::monostate>(value)) return nullptr;
  if (const auto* v = std::get_if<std::uint64_t>(&value)) return *v;
  return std::get<double>(value);
}

template <typename Subject>
nlohmann::json declarations(std::span<const Statistic<Subject>> stats) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : stats) out.push_back({{"name", s.name}, {"unit", s.unit}, {"description", s.description}});
  return out;
}

template <typename Subject>
nlohmann::json values(std::span<const Statistic<Subject>> stats, const Subject& subject) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& s : stats) out[std::string(s.name)] = to_json(s.value(subject));
  return out;
}

// A table: a header row of names, a row of units, then the rows; columns right-aligned but the first.
std::string format_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], row[i].size());
    }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i)
      line += i == 0 ? fmt::format("{:<{}}", row[i], width[i]) : fmt::format("  {:>{}}", row[i], width[i]);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

template <typename Subject>
std::string legend(std::span<const Statistic<Subject>> stats) {
  std::string out;
  for (const auto& s : stats) out += fmt::format("  {} ({}): {}\n", s.name, s.unit, s.description);
  return out;
}

template <typename Subject>
std::string summary_table(std::span<const Statistic<Subject>> stats, const Subject& subject) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : stats)
    rows.push_back({std::string(s.name), format_value(s.value(subject)), std::string(s.unit), std::string(s.description)});
  std::vector<std::size_t> width(3, 0);
  for (const auto& row : rows)
    for (std::size_t i = 0; i < 3; ++i) width[i] = std::max(width[i], row[i].size());
  std::string out;
  for (const auto& row : rows)
    out += fmt::format("{:<{}}  {:>{}}  {:<{}}  {}\n", row[0], width[0], row[1], width[1], row[2], width[2], row[3]);
  return out;
}

std::string tensor_name(const Program& program, TensorId t) {
  return t < program.tensors.size() ? program.tensors[t].name : "?";
}

std::string where(CoreId core, std::uint32_t line, std::uint32_t index) {
  return line ? fmt::format("core {}, line {}", core, line) : fmt::format("core {}, instruction {}", core, index);
}

}  // namespace

std::vector<ConflictOverRuns> conflicts_over_runs(const std::vector<RunResult>& runs) {
  std::vector<ConflictOverRuns> out;
  std::map<Key, std::size_t> seen;
  for (const RunResult& run : runs) {
    for (const Conflict& c : run.conflicts) {
      const auto [it, fresh] = seen.emplace(key_of(c), out.size());
      if (fresh) out.push_back({c, run.seed, 0});
      ++out[it->second].runs;
    }
  }
  return out;
}

bool report_failed(const SimReport& report) {
  return std::any_of(report.runs.begin(), report.runs.end(),
                     [](const RunResult& r) { return r.conflict_count > 0 || r.deadlock.has_value(); });
}

std::string describe_conflict(const Conflict& c, const Program& program) {
  const std::string read = fmt::format("cycle {}: {}: load of '{}' read [{:#x}, {:#x}) ({} bytes)", c.cycle,
                                       where(c.core, c.line, c.index), tensor_name(program, c.tensor),
                                       c.address_begin, c.address_end, c.bytes);
  if (c.kind == Conflict::Kind::uninitialised) return read + ", which nobody had written";
  if (c.writer.preloaded) return fmt::format("{}, which holds '{}' (there from the start)", read,
                                             tensor_name(program, c.writer.tensor));
  return fmt::format("{}, overwritten by '{}' (store at {}, issued at cycle {})", read,
                     tensor_name(program, c.writer.tensor), where(c.writer.core, c.writer.line, c.writer.index),
                     c.writer.at);
}

std::string report_to_table(const SimReport& report, const Program& program) {
  const RunResult& run = report.runs.front();
  std::string out = fmt::format("{}: {} cores on {}, {}; {}\n\n", report.trace, program.cores, report.config,
                                report.plan, report.runs.size() == 1 ? seed_text(run.seed)
                                                                     : fmt::format("{} runs", report.runs.size()));
  if (report.runs.size() > 1) {
    out += fmt::format("over {} runs\n", report.runs.size());
    out += summary_table(run_set_statistics(), RunSet{report.runs});
    out += fmt::format("\nfirst run ({})\n", seed_text(run.seed));
  }
  out += summary_table(run_statistics(), run);
  if (run.dram) out += "\nDRAM (memory.model: dram)\n" + summary_table(dram_statistics(), run);
  if (run.multicast_bytes > 0)
    out += "\nmulticast loads (memory.multicast: on)\n" + summary_table(multicast_statistics(), run);

  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"core"};
  for (const auto& s : core_statistics()) header.emplace_back(s.name);
  rows.push_back(header);
  for (CoreId c = 0; c < run.cores.size(); ++c) {
    std::vector<std::string> row = {std::to_string(c)};
    for (const auto& s : core_statistics()) row.push_back(format_value(s.value(run.cores[c])));
    rows.push_back(std::move(row));
  }
  out += "\n" + format_table(rows) + legend(core_statistics());

  if (!run.layers.empty()) {
    rows.clear();
    header = {"layer"};
    for (const auto& s : layer_statistics()) header.emplace_back(s.name);
    rows.push_back(header);
    for (const LayerResult& layer : run.layers) {
      std::vector<std::string> row = {layer.name};
      for (const auto& s : layer_statistics()) row.push_back(format_value(s.value(layer)));
      rows.push_back(std::move(row));
    }
    out += "\n" + format_table(rows) + legend(layer_statistics());
  }

  const auto conflicts = conflicts_over_runs(report.runs);
  std::uint64_t total = 0;
  for (const RunResult& r : report.runs) total += r.conflict_count;
  if (conflicts.empty()) {
    out += "\nconflicts: none\n";
  } else {
    out += fmt::format("\nconflicts: {} ({} distinct{})\n", total, conflicts.size(),
                       report.runs.size() > 1 ? ", over all runs" : "");
    for (const ConflictOverRuns& c : conflicts) {
      out += "  " + describe_conflict(c.conflict, program);
      if (report.runs.size() > 1) out += fmt::format(" [{} run{}, first with {}]", c.runs, c.runs == 1 ? "" : "s",
                                                     seed_text(c.seed));
      out += "\n";
    }
  }
  for (const RunResult& r : report.runs) {
    if (!r.deadlock) continue;
    out += fmt::format("\ndeadlock ({}) after cycle {}:\n", seed_text(r.seed), r.deadlock->cycle);
    std::string text = r.deadlock->describe();
    for (std::size_t at = 0; at < text.size();) {
      const std::size_t nl = text.find('\n', at);
      out += "  " + text.substr(at, nl - at + 1);
      at = nl + 1;
    }
    break;  // the first is enough; the JSON has them all
  }
  return out;
}

std::string report_to_json(const SimReport& report, const Program& program) {
  const RunResult& run = report.runs.front();
  nlohmann::json j;
  j["trace"] = report.trace;
  j["plan"] = report.plan;
  j["config"] = report.config;
  j["statistics"] = {{"run", declarations(run_statistics())},
                     {"core", declarations(core_statistics())},
                     {"layer", declarations(layer_statistics())},
                     {"runs", declarations(run_set_statistics())}};
  j["seed"] = run.seed ? nlohmann::json(*run.seed) : nlohmann::json(nullptr);
  j["summary"] = values(run_statistics(), run);
  if (run.dram) {
    j["statistics"]["dram"] = declarations(dram_statistics());
    j["dram"] = values(dram_statistics(), run);
  }
  if (run.multicast_bytes > 0) {
    j["statistics"]["multicast"] = declarations(multicast_statistics());
    j["multicast"] = values(multicast_statistics(), run);
  }
  j["cores"] = nlohmann::json::array();
  for (const CoreStats& c : run.cores) j["cores"].push_back(values(core_statistics(), c));
  j["layers"] = nlohmann::json::array();
  for (const LayerResult& l : run.layers) {
    nlohmann::json layer = {{"name", l.name}};
    layer.update(values(layer_statistics(), l));
    j["layers"].push_back(std::move(layer));
  }
  j["over_runs"] = values(run_set_statistics(), RunSet{report.runs});
  j["runs"] = nlohmann::json::array();
  for (const RunResult& r : report.runs)
    j["runs"].push_back({{"seed", r.seed ? nlohmann::json(*r.seed) : nlohmann::json(nullptr)},
                         {"cycles", r.cycles},
                         {"conflicts", r.conflict_count},
                         {"deadlocked", r.deadlock.has_value()}});
  j["conflicts"] = nlohmann::json::array();
  for (const ConflictOverRuns& o : conflicts_over_runs(report.runs)) {
    const Conflict& c = o.conflict;
    nlohmann::json e = {{"kind", c.kind == Conflict::Kind::uninitialised ? "uninitialised" : "overwritten"},
                        {"cycle", c.cycle},
                        {"core", c.core},
                        {"instruction", c.index},
                        {"line", c.line},
                        {"tensor", tensor_name(program, c.tensor)},
                        {"address_begin", c.address_begin},
                        {"address_end", c.address_end},
                        {"bytes", c.bytes},
                        {"first_seed", o.seed ? nlohmann::json(*o.seed) : nlohmann::json(nullptr)},
                        {"runs", o.runs},
                        {"message", describe_conflict(c, program)}};
    if (c.kind == Conflict::Kind::overwritten)
      e["overwritten_by"] = {{"tensor", tensor_name(program, c.writer.tensor)},
                             {"preloaded", c.writer.preloaded},
                             {"core", c.writer.core},
                             {"instruction", c.writer.index},
                             {"line", c.writer.line},
                             {"cycle", c.writer.at}};
    j["conflicts"].push_back(std::move(e));
  }
  j["deadlocks"] = nlohmann::json::array();
  for (const RunResult& r : report.runs) {
    if (!r.deadlock) continue;
    nlohmann::json d = {{"seed", r.seed ? nlohmann::json(*r.seed) : nlohmann::json(nullptr)},
                        {"cycle", r.deadlock->cycle},
                        {"cores", nlohmann::json::array()}};
    for (const BlockedCore& b : r.deadlock->cores)
      d["cores"].push_back({{"core", b.core},
                            {"instruction", b.index},
                            {"line", b.line},
                            {"directive", b.instruction},
                            {"waiting_for", b.waiting_for}});
    j["deadlocks"].push_back(std::move(d));
  }
  return json_text(j, 2) + "\n";
}

std::string layers_to_csv(const RunResult& run) {
  std::string out = "layer";
  for (const auto& s : layer_statistics()) {
    out += ',';
    out += s.name;
  }
  out += '\n';
  for (const LayerResult& layer : run.layers) {
    out += csv_field(layer.name);
    for (const auto& s : layer_statistics()) {
      out += ',';
      out += std::visit(
          [](auto v) {
            if constexpr (std::is_same_v<decltype(v), std::monostate>) return std::string();  // an empty cell
            else return fmt::format("{}", v);
          },
          s.value(layer));
    }
    out += '\n';
  }
  return out;
}

std::string tensors_to_csv(const Program& program, const AddressMap& addresses) {
  std::string out = "tensor,kind,bytes,base,end\n";
  for (TensorId t = 0; t < program.tensors.size(); ++t) {
    const Tensor& tensor = program.tensors[t];
    out += fmt::format("{},{},{},{},{}\n", csv_field(tensor.name), to_string(tensor.kind), tensor.bytes,
                       addresses.base(t), addresses.base(t) + tensor.bytes);
  }
  return out;
}

}  // namespace tetris::sim
