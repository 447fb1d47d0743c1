#include "memmgr/problem_io.h"

#include <bit>

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <limits>
#include <array>
#include <functional>
#include <map>
#include <optional>
#include <tuple>
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
  // The proof of a bound no conflict list shows by itself: pieces that all conflict pairwise.
  if (!problem.lower_bound_witness().empty()) json["lower_bound_pieces"] = problem.lower_bound_witness();
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

namespace {

// What a problem file says, before any check: both readers (YAML, and JSON streamed) fill it,
// and one function checks it and builds the problem, so both refuse the same things alike.
struct RawProblem {
  struct Buffer {
    std::string name;
    Offset size = 0;
    Offset alignment = 1;
    std::vector<std::array<std::uint64_t, 4>> pieces;
  };
  struct Conflict {
    std::array<std::uint64_t, 4> v{};
    std::uint8_t count = 0;
  };
  std::vector<Buffer> buffers;
  std::vector<Conflict> conflicts;
  std::optional<Offset> capacity, lower_bound;
  std::optional<std::string> origin;
  std::optional<std::vector<std::uint64_t>> bound_pieces;  // lower_bound_pieces
  // Where a field is, for errors: a line (YAML) or a key path (JSON).
  enum class Field { alignment, conflict, lower_bound };
  std::function<SourceLocation(Field, std::size_t)> where;
  std::function<std::string(Field, std::size_t)> label;  // "" or "conflicts[3]: "
};

// Whether no two blocks share a pair of pieces: per pair of buffers, a sweep along a's pieces
// keeps the b-ranges of the blocks still open, which must be disjoint, in an ordered map.
template <typename BufferOf>
bool blocks_are_disjoint(std::vector<ConflictBlock>& blocks, BufferOf buffer_of) {
  std::sort(blocks.begin(), blocks.end(), [&](const ConflictBlock& x, const ConflictBlock& y) {
    return std::tuple{buffer_of(x.a.begin), buffer_of(x.b.begin), x.a.begin} <
           std::tuple{buffer_of(y.a.begin), buffer_of(y.b.begin), y.a.begin};
  });
  std::map<PieceId, std::pair<PieceId, PieceId>> open;  // b.begin -> (b.end, a.end)
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const ConflictBlock& c = blocks[i];
    if (i == 0 || buffer_of(c.a.begin) != buffer_of(blocks[i - 1].a.begin) ||
        buffer_of(c.b.begin) != buffer_of(blocks[i - 1].b.begin))
      open.clear();
    std::erase_if(open, [&](const auto& entry) { return entry.second.second <= c.a.begin; });
    const auto next = open.lower_bound(c.b.begin);
    if (next != open.end() && next->first < c.b.end) return false;
    if (next != open.begin() && std::prev(next)->second.first > c.b.begin) return false;
    open.emplace(c.b.begin, std::pair{c.b.end, c.a.end});
  }
  return true;
}

Problem build_problem(RawProblem raw, const std::string& name) {
  using Field = RawProblem::Field;
  auto fail = [&](Field field, std::size_t i, const std::string& message) -> InputError {
    return InputError(raw.where(field, i), raw.label(field, i) + message);
  };
  try {
    ProblemBuilder builder;
    builder.set_overflow_remedy("write the problem with fewer conflicts (coarser pieces or blocks), or plan it in parts");
    for (std::size_t i = 0; i < raw.buffers.size(); ++i) {
      RawProblem::Buffer& buffer = raw.buffers[i];
      if (!std::has_single_bit(buffer.alignment) || buffer.alignment > kMaxAlignment)
        throw fail(Field::alignment, i, fmt::format("alignment {} of buffer '{}' is not a power of two from 1 to 2^40",
                                                    buffer.alignment, buffer.name));
      const BufferId b = builder.add_buffer(std::move(buffer.name), buffer.size, buffer.alignment);
      for (const auto& piece : buffer.pieces) builder.add_piece(b, piece[0], piece[1], {piece[2], piece[3]});
      buffer.pieces = {};
    }
    const auto pieces = builder.piece_count();
    std::vector<ConflictBlock> blocks;  // each within one buffer against one other, a's buffer first
    for (std::size_t i = 0; i < raw.conflicts.size(); ++i) {
      const RawProblem::Conflict& c = raw.conflicts[i];
      std::array<std::uint64_t, 4> v = c.v;
      if (c.count == 2) v = {c.v[0], c.v[0], c.v[1], c.v[1]};
      else if (c.count == 3) v = {c.v[0], c.v[0], c.v[1], c.v[2]};
      if (*std::max_element(v.begin(), v.end()) >= pieces)
        throw fail(Field::conflict, i, fmt::format("conflict names piece {} but there are {}", *std::max_element(v.begin(), v.end()), pieces));
      if (v[1] < v[0] || v[3] < v[2])
        throw fail(Field::conflict, i, fmt::format("conflict range [{}, {}] ends before it starts", v[1] < v[0] ? v[0] : v[2],
                                                   v[1] < v[0] ? v[1] : v[3]));
      // Pieces of one buffer have fixed places relative to each other: a conflict among them
      // (or of a piece with itself) cannot be what the file means.
      const auto buffer = [&](std::uint64_t piece) { return builder.buffer_of(static_cast<PieceId>(piece)); };
      const auto own = buffer(v[0]);
      if (buffer(v[1]) != own)
        throw fail(Field::conflict, i, fmt::format("conflict block [{}, {}, ...] spans more than one buffer", v[0], v[1]));
      if ((v[2] <= v[1] && v[0] <= v[3]) || buffer(v[2]) == own || buffer(v[3]) == own)
        throw fail(Field::conflict, i, fmt::format("conflict {} is between pieces of one buffer, which never move apart "
                                                   "(or of a piece with itself)", fmt::join(v, ", ")));
      const PieceRange a{static_cast<PieceId>(v[0]), static_cast<PieceId>(v[1] + 1)};
      const PieceRange b{static_cast<PieceId>(v[2]), static_cast<PieceId>(v[3] + 1)};
      if (buffer(v[2]) == buffer(v[3])) blocks.push_back(own < buffer(v[2]) ? ConflictBlock{a, b} : ConflictBlock{b, a});
      else builder.add_conflict_block(a, b);
    }
    raw.conflicts = {};
    // Blocks of one buffer against one other are kept as blocks when no two share a pair (what
    // `analyze --out` writes); given piece by piece instead, a 7 M-block problem makes 70 M runs,
    // past what a problem may hold. Overlapping ones (hand-written) go piece by piece, merged.
    if (blocks_are_disjoint(blocks, [&](PieceId piece) { return builder.buffer_of(piece); }))
      for (const ConflictBlock& c : blocks) builder.add_disjoint_conflict_block(c.a, c.b);
    else
      for (const ConflictBlock& c : blocks) builder.add_conflict_block(c.a, c.b);
    blocks = {};
    if (raw.capacity) builder.set_capacity(*raw.capacity);
    // The bound is recomputed, never trusted: the search stops when it reaches it, so a file
    // claiming too much would silently end the search early.
    BoundRule rule;
    rule.rigid_pairs = true;
    Problem problem = builder.build(raw.origin ? *raw.origin : name, rule);
    if (raw.bound_pieces) {
      std::vector<PieceId> pieces;
      for (const std::uint64_t p : *raw.bound_pieces) pieces.push_back(static_cast<PieceId>(std::min<std::uint64_t>(p, std::numeric_limits<PieceId>::max())));
      try {
        problem = std::move(problem).with_witnessed_bound(
            std::move(pieces), "the pieces of lower_bound_pieces, which all conflict with each other");
      } catch (const std::invalid_argument& e) {
        throw InputError({name}, fmt::format("lower_bound_pieces: {}", e.what()));
      }
    }
    if (raw.lower_bound && *raw.lower_bound > problem.lower_bound())
      throw fail(Field::lower_bound, 0,
                 fmt::format("lower_bound_bytes {} is more than the buffers and conflicts prove ({}, {}); "
                             "a bound above the optimum would stop the search early",
                             *raw.lower_bound, problem.lower_bound(), problem.lower_bound_source()));
    return problem;
  } catch (const std::invalid_argument& e) {
    throw InputError({name}, e.what());
  } catch (const std::out_of_range& e) {
    throw InputError({name}, e.what());
  }
}

RawProblem read_yaml(std::string_view text, const std::string& name) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw InputError({name, static_cast<std::uint64_t>(e.mark.line) + 1, 0}, fmt::format("malformed problem: {}", e.msg));
  }
  auto where = [&](const YAML::Node& node) {
    return SourceLocation{name, node.Mark().line < 0 ? 0 : static_cast<std::uint64_t>(node.Mark().line) + 1, 0};
  };
  RawProblem raw;
  std::vector<SourceLocation> alignment_at, conflict_at;
  SourceLocation bound_at{name};
  try {
    if (!root.IsMap() || !root["buffers"] || !root["buffers"].IsSequence())
      throw InputError({name}, "a problem needs a list 'buffers'");
    for (const auto& buffer : root["buffers"]) {
      RawProblem::Buffer& b = raw.buffers.emplace_back();
      b.alignment = buffer["alignment"] ? buffer["alignment"].as<Offset>() : 1;
      alignment_at.push_back(where(buffer["alignment"] ? buffer["alignment"] : buffer));
      b.name = buffer["name"].as<std::string>();
      b.size = buffer["size"].as<Offset>();
      for (const auto& piece : buffer["pieces"]) {
        if (!piece.IsSequence() || piece.size() != 4)
          throw InputError(where(piece), "a piece is [offset, size, lower, upper]");
        b.pieces.push_back({piece[0].as<Offset>(), piece[1].as<Offset>(), piece[2].as<TimeValue>(), piece[3].as<TimeValue>()});
      }
    }
    for (const auto& pair : root["conflicts"]) {
      if (!pair.IsSequence() || pair.size() < 2 || pair.size() > 4)
        throw InputError(where(pair), "a conflict is [piece, piece], [piece, first, last] or [first, last, other_first, other_last]");
      RawProblem::Conflict& c = raw.conflicts.emplace_back();
      for (const auto& x : pair) c.v[c.count++] = x.as<std::uint64_t>();
      conflict_at.push_back(where(pair));
    }
    if (root["capacity_bytes"]) raw.capacity = root["capacity_bytes"].as<Offset>();
    if (root["origin"]) raw.origin = root["origin"].as<std::string>();
    if (root["lower_bound_pieces"]) {
      if (!root["lower_bound_pieces"].IsSequence())
        throw InputError(where(root["lower_bound_pieces"]), "lower_bound_pieces is a list of piece numbers");
      raw.bound_pieces.emplace();
      for (const auto& x : root["lower_bound_pieces"]) raw.bound_pieces->push_back(x.as<std::uint64_t>());
    }
    if (root["lower_bound_bytes"]) {
      raw.lower_bound = root["lower_bound_bytes"].as<Offset>();
      bound_at = where(root["lower_bound_bytes"]);
    }
  } catch (const YAML::Exception& e) {
    throw InputError({name, static_cast<std::uint64_t>(e.mark.line) + 1, 0}, fmt::format("bad problem field: {}", e.msg));
  }
  raw.where = [alignment_at = std::move(alignment_at), conflict_at = std::move(conflict_at), bound_at](
                  RawProblem::Field field, std::size_t i) {
    switch (field) {
      case RawProblem::Field::alignment: return alignment_at[i];
      case RawProblem::Field::conflict: return conflict_at[i];
      case RawProblem::Field::lower_bound: break;
    }
    return bound_at;
  };
  raw.label = [](RawProblem::Field, std::size_t) { return std::string(); };
  return raw;
}

// A JSON problem streamed event by event (nlohmann's SAX interface) into a RawProblem: the files
// `analyze --out` writes run to hundreds of megabytes (ResNet-50, 16 cores, p2p, tiles: 312 MB,
// 7.2 M conflict blocks), which a document tree (yaml-cpp's took 17 GB) cannot hold.
class JsonProblemReader : public nlohmann::json_sax<nlohmann::json> {
 public:
  JsonProblemReader(std::string_view text, const std::string& name) : text_(text), name_(name) {}
  RawProblem take() { return std::move(raw_); }
  bool saw_buffers() const { return saw_buffers_; }

  bool null() override { return scalar("null"); }
  bool boolean(bool) override { return scalar("a boolean"); }
  bool number_integer(number_integer_t v) override {
    if (v < 0 && expects_number()) throw error("a negative number");
    return v < 0 ? true : number(static_cast<std::uint64_t>(v));
  }
  bool number_unsigned(number_unsigned_t v) override { return number(v); }
  bool number_float(number_float_t, const string_t&) override { return scalar("a fraction"); }
  bool string(string_t& v) override {
    const Frame& f = stack_.back();
    if (f.kind == Kind::root && f.key == "origin") raw_.origin = v;
    else if (f.kind == Kind::buffer && f.key == "name") raw_.buffers.back().name = v, has_name_ = true;
    else return scalar("a string");
    return true;
  }
  bool binary(binary_t&) override { return scalar("binary data"); }
  bool start_object(std::size_t) override {
    if (stack_.empty()) return push(Kind::root);
    if (stack_.back().kind == Kind::buffers) {
      raw_.buffers.emplace_back();
      has_name_ = has_size_ = false;
      return push(Kind::buffer);
    }
    if (inside_numbers()) throw error("an object");
    return push(Kind::skip);
  }
  bool end_object() override {
    if (stack_.back().kind == Kind::buffer && !(has_name_ && has_size_))
      throw located(fmt::format("buffers[{}]", raw_.buffers.size() - 1), "a buffer needs a 'name' and a 'size'");
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override {
    if (stack_.empty()) throw located("", "a problem is an object with a list 'buffers'");
    const Frame& f = stack_.back();
    if (f.kind == Kind::root && f.key == "buffers") return saw_buffers_ = true, push(Kind::buffers);
    if (f.kind == Kind::root && f.key == "conflicts") return push(Kind::conflicts);
    if (f.kind == Kind::root && f.key == "lower_bound_pieces") return raw_.bound_pieces.emplace(), push(Kind::bound_pieces);
    if (f.kind == Kind::buffer && f.key == "pieces") return push(Kind::pieces);
    if (f.kind == Kind::pieces) {
      raw_.buffers.back().pieces.emplace_back();
      count_ = 0;
      return push(Kind::piece);
    }
    if (f.kind == Kind::conflicts) {
      raw_.conflicts.emplace_back();
      return push(Kind::conflict);
    }
    if (inside_numbers()) throw error("a list");
    return push(Kind::skip);
  }
  bool end_array() override {
    const Kind kind = stack_.back().kind;
    if (kind == Kind::piece && count_ != 4) throw error_at_piece("a piece is [offset, size, lower, upper]");
    if (kind == Kind::conflict && raw_.conflicts.back().count < 2)
      throw located(fmt::format("conflicts[{}]", raw_.conflicts.size() - 1),
                    "a conflict is [piece, piece], [piece, first, last] or [first, last, other_first, other_last]");
    stack_.pop_back();
    return true;
  }
  bool key(string_t& k) override {
    stack_.back().key = k;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) override {
    throw InputError({name_, line_at(position), 0}, fmt::format("malformed problem: {}", e.what()));
  }

 private:
  enum class Kind { root, buffers, buffer, pieces, piece, conflicts, conflict, bound_pieces, skip };
  struct Frame {
    Kind kind;
    std::string key{};
  };

  bool push(Kind kind) {
    stack_.push_back({kind});
    return true;
  }
  bool inside_numbers() const {
    const Kind kind = stack_.back().kind;
    return kind == Kind::piece || kind == Kind::conflict || kind == Kind::bound_pieces;
  }
  bool expects_number() const {
    const Frame& f = stack_.back();
    return inside_numbers() || (f.kind == Kind::buffer && (f.key == "size" || f.key == "alignment")) ||
           (f.kind == Kind::root && (f.key == "capacity_bytes" || f.key == "lower_bound_bytes"));
  }
  // A value that is not a number: fine where nothing is read, an error where a number is.
  bool scalar(std::string_view what) {
    if (expects_number() || (stack_.back().kind == Kind::buffer && stack_.back().key == "name"))
      throw error(what);
    return true;
  }
  bool number(std::uint64_t v) {
    Frame& f = stack_.back();
    if (f.kind == Kind::bound_pieces) {
      raw_.bound_pieces->push_back(v);
    } else if (f.kind == Kind::piece) {
      if (count_ == 4) throw error_at_piece("a piece is [offset, size, lower, upper]");
      raw_.buffers.back().pieces.back()[count_++] = v;
    } else if (f.kind == Kind::conflict) {
      RawProblem::Conflict& c = raw_.conflicts.back();
      if (c.count == 4)
        throw located(fmt::format("conflicts[{}]", raw_.conflicts.size() - 1),
                      "a conflict is [piece, piece], [piece, first, last] or [first, last, other_first, other_last]");
      c.v[c.count++] = v;
    } else if (f.kind == Kind::buffer && f.key == "size") {
      raw_.buffers.back().size = v, has_size_ = true;
    } else if (f.kind == Kind::buffer && f.key == "alignment") {
      raw_.buffers.back().alignment = v;
    } else if (f.kind == Kind::root && f.key == "capacity_bytes") {
      raw_.capacity = v;
    } else if (f.kind == Kind::root && f.key == "lower_bound_bytes") {
      raw_.lower_bound = v;
    } else if (f.kind == Kind::buffer && f.key == "name") {
      throw error("a number");
    }
    return true;
  }
  std::string path() const {
    std::string p;
    for (const Frame& f : stack_) {
      if (f.kind == Kind::buffers) p += fmt::format("[{}]", raw_.buffers.size() - 1);
      else if (f.kind == Kind::pieces) p += fmt::format("[{}]", raw_.buffers.back().pieces.size() - 1);
      else if (f.kind == Kind::conflicts) p += fmt::format("[{}]", raw_.conflicts.size() - 1);
      if ((f.kind == Kind::root || f.kind == Kind::buffer) && !f.key.empty()) p += (p.empty() ? "" : ".") + f.key;
    }
    return p;
  }
  InputError located(const std::string& at, const std::string& message) const {
    return InputError({name_}, at.empty() ? message : fmt::format("{}: {}", at, message));
  }
  InputError error(std::string_view what) const { return located(path(), fmt::format("a number or name was expected, not {}", what)); }
  InputError error_at_piece(const std::string& message) const {
    return located(fmt::format("buffers[{}].pieces[{}]", raw_.buffers.size() - 1, raw_.buffers.back().pieces.size() - 1), message);
  }
  std::uint64_t line_at(std::size_t position) const {
    const std::string_view before = text_.substr(0, std::min(position, text_.size()));
    return static_cast<std::uint64_t>(std::count(before.begin(), before.end(), '\n')) + 1;
  }

  std::string_view text_;
  std::string name_;
  RawProblem raw_;
  std::vector<Frame> stack_;
  std::uint32_t count_ = 0;  // numbers of the current piece
  bool has_name_ = false, has_size_ = false, saw_buffers_ = false;
};

RawProblem read_json(std::string_view text, const std::string& name) {
  JsonProblemReader reader(text, name);
  nlohmann::json::sax_parse(text, &reader);
  if (!reader.saw_buffers()) throw InputError({name}, "a problem needs a list 'buffers'");
  RawProblem raw = reader.take();
  raw.where = [name](RawProblem::Field, std::size_t) { return SourceLocation{name}; };
  raw.label = [](RawProblem::Field field, std::size_t i) {
    switch (field) {
      case RawProblem::Field::alignment: return fmt::format("buffers[{}].alignment: ", i);
      case RawProblem::Field::conflict: return fmt::format("conflicts[{}]: ", i);
      case RawProblem::Field::lower_bound: break;
    }
    return std::string("lower_bound_bytes: ");
  };
  return raw;
}

}  // namespace

Problem read_problem(std::string_view text, std::string_view file) {
  const std::string name(file);
  // What `analyze --out` writes is JSON (an object): streamed. Anything else is YAML, which is
  // also what a JSON object with a YAML-only spelling (unquoted keys) falls back to.
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{') {
    std::optional<InputError> json_error;
    try {
      return build_problem(read_json(text, name), name);
    } catch (const InputError& e) {
      if (e.message().rfind("malformed problem", 0) != 0) throw;  // valid JSON, wrong problem
      json_error = e;
    }
    try {
      return build_problem(read_yaml(text, name), name);
    } catch (const InputError&) {
      throw *json_error;
    }
  }
  return build_problem(read_yaml(text, name), name);
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
