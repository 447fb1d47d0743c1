// A one-line progress display for long work: redrawn in place on a terminal, silent when
// stderr is not a terminal or --quiet was given, so logs and pipes stay clean.
#pragma once

#include <functional>
#include <string>

namespace tetris::cli {

class ProgressLine {
 public:
  explicit ProgressLine(bool quiet);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  bool enabled() const { return enabled_; }
  void update(const std::string& text);
  void finish();  // clears the line
  // A callback that updates this line (pipeline::StatusFn), or none when disabled.
  std::function<void(const std::string&)> status();

 private:
  bool enabled_;
  std::size_t width_ = 0;
};

}  // namespace tetris::cli
