#include "memmgr/plan_export.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/text.h"
#include "memmgr/plan_validator.h"

namespace tetris::memmgr {
namespace {

std::string identifier(std::string_view name) {
  std::string out;
  for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) || c == '_' ? c : '_';
  return out;
}

// A comment line cannot be ended early by a name: "*/" never appears in it.
std::string comment_safe(std::string_view text) {
  std::string out(text);
  for (std::size_t at; (at = out.find("*/")) != std::string::npos;) out.replace(at, 2, "* /");
  for (char& c : out)
    if (c == '\n' || c == '\r') c = ' ';
  return out;
}

Offset max_alignment(const Problem& problem) {
  Offset a = 1;
  for (const Buffer& b : problem.buffers()) a = std::max(a, b.alignment);
  return a;
}

}  // namespace

std::string plan_to_c_header(const Problem& problem, const std::vector<Offset>& offsets, const PlanFile& plan) {
  fmt::memory_buffer out;
  auto it = std::back_inserter(out);
  fmt::format_to(it, "/* Static memory plan: the base offset of every buffer in one arena, in bytes.\n"
                     " * planner {}, seed {}; {}\n * made by {} */\n#pragma once\n\n",
                 comment_safe(plan.planner), plan.seed, comment_safe(plan.problem),
                 plan.tool.empty() ? std::string("tetris") : comment_safe(plan.tool));
  fmt::format_to(it, "#define TETRIS_ARENA_BYTES {}u\n#define TETRIS_ARENA_ALIGNMENT {}u\n#define TETRIS_BUFFER_COUNT {}u\n\n",
                 plan_peak(problem, offsets), max_alignment(problem), problem.buffers().size());
  std::set<std::string> used;
  for (BufferId b = 0; b < problem.buffers().size(); ++b) {
    const Buffer& buffer = problem.buffers()[b];
    std::string name = "TETRIS_OFFSET_" + identifier(buffer.name);
    for (int n = 2; used.count(name); ++n) name = fmt::format("TETRIS_OFFSET_{}_{}", identifier(buffer.name), n);
    used.insert(name);
    fmt::format_to(it, "#define {} {}u  /* {}: {} bytes */\n", name, offsets[b], comment_safe(buffer.name), buffer.size);
  }
  return fmt::to_string(out);
}

std::string plan_to_arena_json(const Problem& problem, const std::vector<Offset>& offsets, const PlanFile& plan) {
  nlohmann::ordered_json json;
  json["planner"] = plan.planner;
  json["problem"] = plan.problem;
  if (!plan.tool.empty()) json["tool"] = plan.tool;
  json["arena_bytes"] = plan_peak(problem, offsets);
  json["alignment"] = max_alignment(problem);
  json["buffers"] = nlohmann::ordered_json::array();
  for (BufferId b = 0; b < problem.buffers().size(); ++b)
    json["buffers"].push_back(
        {{"name", problem.buffers()[b].name}, {"offset", offsets[b]}, {"size", problem.buffers()[b].size}});
  return json_text(json, 2) + "\n";
}

}  // namespace tetris::memmgr
