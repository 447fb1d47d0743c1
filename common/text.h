// Text from users' files: checking that it is UTF-8, and JSON that never fails on a name that is
// not (a report or plan must always be written).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace tetris {

// The position of the first byte that does not belong to a well-formed UTF-8 sequence (no
// overlong forms, surrogates or code points above U+10FFFF); nothing if the text is UTF-8.
inline std::optional<std::size_t> first_non_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xbf;  // the allowed range of the second byte
    if (c < 0x80) length = 1;
    else if (c >= 0xc2 && c <= 0xdf) length = 2;
    else if (c == 0xe0) length = 3, low = 0xa0;
    else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) length = 3;
    else if (c == 0xed) length = 3, high = 0x9f;
    else if (c == 0xf0) length = 4, low = 0x90;
    else if (c >= 0xf1 && c <= 0xf3) length = 4;
    else if (c == 0xf4) length = 4, high = 0x8f;
    else return i;
    if (i + length > text.size()) return i;
    for (std::size_t k = 1; k < length; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if (b < (k == 1 ? low : 0x80) || b > (k == 1 ? high : 0xbf)) return i;
    }
    i += length;
  }
  return std::nullopt;
}

// JSON text; a string that is not UTF-8 has its stray bytes replaced by U+FFFD.
inline std::string json_text(const nlohmann::json& json, int indent = -1) {
  return json.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A CSV field as RFC 4180 writes it: quoted, with its quotes doubled, when it holds a comma, a
// quote or a line break; as it is otherwise.
inline std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace tetris
