#include "memmgr/problem_io.h"

#include <bit>

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/file_io.h"
#include "common/input_error.h"
#include "common/text.h"

namespace tetris::memmgr {

std::string problem_to_json(const Problem& problem) {
  nlohmann::ordered_json json;
  json["origin"] = problem.origin();
  json["lower_bound_bytes"] = problem.lower_bound();
  json["lower_bound_source"] = problem.lower_bound_source();
  if (problem.capacity()) json["capacity_bytes"] = *problem.capacity();
  json["buffers"] = nlohmann::ordered_json::array();
  for (BufferId b = 0; b < problem.buffers().size(); ++b) {
    const Buffer& buffer = problem.buffers()[b];
    nlohmann::ordered_json pieces = nlohmann::ordered_json::array();
    for (const Piece& p : problem.pieces_of(b))
      pieces.push_back({p.offset, p.size, p.lifespan.lower, p.lifespan.upper});
    json["buffers"].push_back(
        {{"name", buffer.name}, {"size", buffer.size}, {"alignment", buffer.alignment}, {"pieces", pieces}});
  }
  // Pieces are numbered in buffer order; each conflicting pair once, lower index first: [p, q],
  // a run of partners [p, first, last] (inclusive), or a block [first, last, other_first,
  // other_last] where every piece of the first range conflicts with every piece of the second.
  json["conflicts"] = nlohmann::ordered_json::array();
  for (const ConflictBlock& block : problem.conflict_blocks()) {
    if (block.a.size() > 1) json["conflicts"].push_back({block.a.begin, block.a.end - 1, block.b.begin, block.b.end - 1});
    else if (block.b.size() > 1) json["conflicts"].push_back({block.a.begin, block.b.begin, block.b.end - 1});
    else json["conflicts"].push_back({block.a.begin, block.b.begin});
  }
  return json_text(json, 1) + "\n";
}

Problem read_problem(std::string_view text, std::string_view file) {
  const std::string name(file);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw InputError({name, static_cast<std::uint64_t>(e.mark.line) + 1, 0}, fmt::format("malformed problem: {}", e.msg));
  }
  auto where = [&](const YAML::Node& node) {
    return SourceLocation{name, node.Mark().line < 0 ? 0 : static_cast<std::uint64_t>(node.Mark().line) + 1, 0};
  };
  try {
    if (!root.IsMap() || !root["buffers"] || !root["buffers"].IsSequence())
      throw InputError({name}, "a problem needs a list 'buffers'");
    ProblemBuilder builder;
    for (const auto& buffer : root["buffers"]) {
      const Offset alignment = buffer["alignment"] ? buffer["alignment"].as<Offset>() : 1;
      if (!std::has_single_bit(alignment) || alignment > kMaxAlignment)
        throw InputError(where(buffer["alignment"]),
                         fmt::format("alignment {} of buffer '{}' is not a power of two from 1 to 2^40", alignment,
                                     buffer["name"].as<std::string>()));
      const BufferId b = builder.add_buffer(buffer["name"].as<std::string>(), buffer["size"].as<Offset>(), alignment);
      for (const auto& piece : buffer["pieces"]) {
        if (!piece.IsSequence() || piece.size() != 4)
          throw InputError(where(piece), "a piece is [offset, size, lower, upper]");
        builder.add_piece(b, piece[0].as<Offset>(), piece[1].as<Offset>(),
                          {piece[2].as<TimeValue>(), piece[3].as<TimeValue>()});
      }
    }
    const auto pieces = builder.piece_count();
    for (const auto& pair : root["conflicts"]) {
      if (!pair.IsSequence() || pair.size() < 2 || pair.size() > 4)
        throw InputError(where(pair), "a conflict is [piece, piece], [piece, first, last] or [first, last, other_first, other_last]");
      std::vector<std::uint64_t> v;
      for (const auto& x : pair) v.push_back(x.as<std::uint64_t>());
      if (v.size() == 2) v = {v[0], v[0], v[1], v[1]};
      else if (v.size() == 3) v = {v[0], v[0], v[1], v[2]};
      if (*std::max_element(v.begin(), v.end()) >= pieces)
        throw InputError(where(pair), fmt::format("conflict names piece {} but there are {}",
                                                  *std::max_element(v.begin(), v.end()), pieces));
      if (v[1] < v[0] || v[3] < v[2])
        throw InputError(where(pair), fmt::format("conflict range [{}, {}] ends before it starts", v[1] < v[0] ? v[0] : v[2],
                                                  v[1] < v[0] ? v[1] : v[3]));
      // Pieces of one buffer have fixed places relative to each other: a conflict among them
      // (or of a piece with itself) cannot be what the file means.
      const auto buffer = [&](std::uint64_t piece) { return builder.buffer_of(static_cast<PieceId>(piece)); };
      const auto own = buffer(v[0]);
      if (buffer(v[1]) != own)
        throw InputError(where(pair), fmt::format("conflict block [{}, {}, ...] spans more than one buffer", v[0], v[1]));
      if ((v[2] <= v[1] && v[0] <= v[3]) || buffer(v[2]) == own || buffer(v[3]) == own)
        throw InputError(where(pair), fmt::format("conflict {} is between pieces of one buffer, which never move apart "
                                                  "(or of a piece with itself)", fmt::join(v, ", ")));
      builder.add_conflict_block({static_cast<PieceId>(v[0]), static_cast<PieceId>(v[1] + 1)},
                                 {static_cast<PieceId>(v[2]), static_cast<PieceId>(v[3] + 1)});
    }
    if (root["capacity_bytes"]) builder.set_capacity(root["capacity_bytes"].as<Offset>());
    // The bound is recomputed, never trusted: the search stops when it reaches it, so a file
    // claiming too much would silently end the search early.
    BoundRule rule;
    rule.rigid_pairs = true;
    Problem problem = builder.build(root["origin"] ? root["origin"].as<std::string>() : name, rule);
    if (root["lower_bound_bytes"]) {
      const auto stated = root["lower_bound_bytes"].as<Offset>();
      if (stated > problem.lower_bound())
        throw InputError(where(root["lower_bound_bytes"]),
                         fmt::format("lower_bound_bytes {} is more than the buffers and conflicts prove ({}, {}); "
                                     "a bound above the optimum would stop the search early",
                                     stated, problem.lower_bound(), problem.lower_bound_source()));
    }
    return problem;
  } catch (const YAML::Exception& e) {
    throw InputError({name, static_cast<std::uint64_t>(e.mark.line) + 1, 0}, fmt::format("bad problem field: {}", e.msg));
  } catch (const std::invalid_argument& e) {
    throw InputError({name}, e.what());
  } catch (const std::out_of_range& e) {
    throw InputError({name}, e.what());
  }
}

Problem read_problem_file(const std::string& path) { return read_problem(read_text_file(path), path); }

std::string problem_to_minimalloc_csv(const Problem& problem) {
  if (!problem.is_interval_problem())
    throw std::invalid_argument("MiniMalloc's CSV holds one-piece buffers whose conflicts are overlapping lifespans");
  std::string out = "id,lower,upper,size\n";
  for (const Buffer& b : problem.buffers())
    out += fmt::format("{},{},{},{}\n", b.name, b.lifespan.lower, b.lifespan.upper, b.size);
  return out;
}

}  // namespace tetris::memmgr
