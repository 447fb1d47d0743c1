// The one error type for bad user input (configs, models, traces, plans).
// It carries where the problem is so the CLI can print "file:line: message" and exit 2.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace tetris {

// Where in the user's input something was found. line/column are 1-based; 0 means unknown.
struct SourceLocation {
  std::string file;
  std::uint64_t line = 0;
  std::uint64_t column = 0;

  std::string to_string() const;
};

// Thrown for any input the tool refuses. what() is the full, printable message.
class InputError : public std::runtime_error {
 public:
  InputError(SourceLocation where, const std::string& message);

  const SourceLocation& where() const { return where_; }
  const std::string& message() const { return message_; }

 private:
  SourceLocation where_;
  std::string message_;
};

}  // namespace tetris
