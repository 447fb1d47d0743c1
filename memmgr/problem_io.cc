#include "memmgr/problem_io.h"

#include <bit>

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

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
  // Pieces are numbered in buffer order; each conflicting pair once, lower index first, a run
  // of partners [p, first, last] (inclusive) where there is more than one.
  json["conflicts"] = nlohmann::ordered_json::array();
  for (PieceId p = 0; p < problem.pieces().size(); ++p)
    for (const PieceRange& run : problem.conflict_runs(p)) {
      const PieceId first = std::max(run.begin, p + 1);
      if (first + 1 == run.end) json["conflicts"].push_back({p, first});
      else if (first < run.end) json["conflicts"].push_back({p, first, run.end - 1});
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
      if (!pair.IsSequence() || (pair.size() != 2 && pair.size() != 3))
        throw InputError(where(pair), "a conflict is [piece, piece] or [piece, first, last]");
      const auto a = pair[0].as<std::uint64_t>(), b = pair[1].as<std::uint64_t>();
      const auto last = pair.size() == 3 ? pair[2].as<std::uint64_t>() : b;
      if (a >= pieces || b >= pieces || last >= pieces)
        throw InputError(where(pair), fmt::format("conflict names piece {} but there are {}",
                                                  std::max({a, b, last}), pieces));
      if (last < b) throw InputError(where(pair), fmt::format("conflict run [{}, {}] ends before it starts", b, last));
      // Pieces of one buffer have fixed places relative to each other: a conflict among them
      // (or of a piece with itself) cannot be what the file means.
      const auto own = builder.buffer_of(static_cast<PieceId>(a));
      if ((b <= a && a <= last) || builder.buffer_of(static_cast<PieceId>(b)) == own ||
          builder.buffer_of(static_cast<PieceId>(last)) == own)
        throw InputError(where(pair), fmt::format("conflict [{}, {}, {}] is between pieces of one buffer, which "
                                                  "never move apart (or of a piece with itself)", a, b, last));
      builder.add_conflicts(static_cast<PieceId>(a), {static_cast<PieceId>(b), static_cast<PieceId>(last + 1)});
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
