#include "memmgr/minimalloc_csv.h"

#include <stdexcept>

#include <charconv>
#include <filesystem>
#include <map>
#include <vector>

#include <fmt/format.h>

#include "common/checked_math.h"
#include "common/file_io.h"
#include "common/input_error.h"

namespace tetris::memmgr {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    fields.push_back(trim(line.substr(start, comma == std::string_view::npos ? line.npos : comma - start)));
    if (comma == std::string_view::npos) return fields;
    start = comma + 1;
  }
}

enum class Column { id, lower, upper, end, size, alignment, offset, gaps };

std::optional<Column> column_named(std::string_view name) {
  static const std::map<std::string_view, Column> kNames = {
      {"id", Column::id},         {"buffer", Column::id},       {"buffer_id", Column::id},
      {"lower", Column::lower},   {"begin", Column::lower},     {"start", Column::lower},
      {"upper", Column::upper},   {"end", Column::end},         {"size", Column::size},
      {"alignment", Column::alignment}, {"offset", Column::offset}, {"gaps", Column::gaps}};
  const auto it = kNames.find(name);
  if (it == kNames.end()) return std::nullopt;
  return it->second;
}

}  // namespace

std::optional<Offset> capacity_from_file_name(std::string_view path) {
  const std::string name = std::filesystem::path(std::string(path)).filename().string();
  // NAME.CAPACITY.csv
  const auto last = name.rfind('.');
  if (last == std::string::npos) return std::nullopt;
  const auto previous = name.rfind('.', last - 1);
  if (previous == std::string::npos || last == 0) return std::nullopt;
  const std::string_view number = std::string_view(name).substr(previous + 1, last - previous - 1);
  Offset value = 0;
  const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || ptr != number.data() + number.size() || value == 0) return std::nullopt;
  return value;
}

Problem read_minimalloc_csv(std::string_view text, std::string_view file_label, std::optional<Offset> capacity) {
  const std::string file(file_label);
  std::uint64_t line_number = 0;
  std::map<Column, std::size_t> columns;
  std::size_t field_count = 0;
  ProblemBuilder builder;
  builder.set_overflow_remedy(
      "its buffers overlap in time too often to hold every pair; plan it in parts (fewer buffers alive at once)");
  std::size_t pos = 0;
  bool header_done = false;
  std::map<std::string, std::uint64_t, std::less<>> ids;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = trim(text.substr(pos, nl - pos));
    pos = nl + 1;
    ++line_number;
    const SourceLocation where{file, line_number, 0};
    if (line.empty()) {
      if (pos > text.size()) break;
      continue;
    }
    const auto fields = split(line);
    if (!header_done) {
      for (std::size_t i = 0; i < fields.size(); ++i) {
        const auto column = column_named(fields[i]);
        if (!column)
          throw InputError(where, fmt::format("unknown column '{}' (expected id, lower, upper, size, and "
                                              "optionally alignment, offset)", fields[i]));
        if (*column == Column::gaps)
          throw InputError(where, "the 'gaps' column is not supported: split such a buffer into pieces");
        if (!columns.emplace(*column, i).second)
          throw InputError(where, fmt::format("duplicate column '{}'", fields[i]));
      }
      const bool has_upper = columns.count(Column::upper) || columns.count(Column::end);
      if (!columns.count(Column::id) || !columns.count(Column::lower) || !has_upper || !columns.count(Column::size))
        throw InputError(where, "a required column is missing: the header needs id, lower, upper, size");
      field_count = fields.size();
      header_done = true;
      continue;
    }
    if (fields.size() != field_count)
      throw InputError(where, fmt::format("{} fields, but the header has {}", fields.size(), field_count));
    auto number = [&](Column column, std::string_view what) -> std::uint64_t {
      const std::string_view field = fields[columns.at(column)];
      std::uint64_t value = 0;
      const auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
      if (field.empty() || ec != std::errc() || ptr != field.data() + field.size())
        throw InputError(where, fmt::format("{} must be a non-negative integer, got '{}'", what, field));
      return value;
    };
    const std::string id(fields[columns.at(Column::id)]);
    if (id.empty()) throw InputError(where, "empty id");
    if (!ids.emplace(id, line_number).second)
      throw InputError(where, fmt::format("duplicate id '{}' (first on line {})", id, ids[id]));
    const std::uint64_t lower = number(Column::lower, "lower");
    std::uint64_t upper;
    if (columns.count(Column::upper)) {
      upper = number(Column::upper, "upper");
    } else {
      const auto end = checked_add(number(Column::end, "end"), 1);  // inclusive end
      if (!end) throw InputError(where, "end is too large");
      upper = *end;
    }
    if (upper <= lower)
      throw InputError(where, fmt::format("empty lifespan: upper {} must be greater than lower {}", upper, lower));
    const std::uint64_t size = number(Column::size, "size");
    if (size == 0) throw InputError(where, "size must be at least 1");
    if (size > (Offset{1} << 48)) throw InputError(where, fmt::format("size {} is larger than 2^48", size));
    std::uint64_t alignment = 1;
    if (columns.count(Column::alignment)) {
      alignment = number(Column::alignment, "alignment");
      if (alignment == 0) throw InputError(where, "alignment must be at least 1");
    }
    const BufferId buffer = builder.add_buffer(id, size, alignment);
    builder.add_piece(buffer, 0, size, {lower, upper});
  }
  if (!header_done) throw InputError({file}, "empty file: expected a header 'id,lower,upper,size'");
  builder.add_lifespan_conflicts();
  builder.set_capacity(capacity ? capacity : capacity_from_file_name(file));
  try {
    return builder.build(fmt::format("MiniMalloc CSV {}", file));
  } catch (const std::invalid_argument& e) {
    throw InputError({file}, e.what());
  }
}

Problem read_minimalloc_csv_file(const std::string& path, std::optional<Offset> capacity) {
  return read_minimalloc_csv(read_text_file(path), path, capacity);
}

std::string write_minimalloc_solution(const Problem& problem, std::span<const Offset> offsets) {
  std::string out = "id,lower,upper,size,offset\n";
  for (BufferId b = 0; b < problem.buffers().size(); ++b) {
    const Buffer& buffer = problem.buffers()[b];
    out += fmt::format("{},{},{},{},{}\n", buffer.name, buffer.lifespan.lower, buffer.lifespan.upper, buffer.size,
                       offsets[b]);
  }
  return out;
}

}  // namespace tetris::memmgr
