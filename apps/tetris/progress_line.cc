#include "apps/tetris/progress_line.h"

#include <unistd.h>

#include <cstdio>

namespace tetris::cli {

ProgressLine::ProgressLine(bool quiet) : enabled_(!quiet && ::isatty(STDERR_FILENO)) {}

ProgressLine::~ProgressLine() { finish(); }

void ProgressLine::update(const std::string& text) {
  if (!enabled_) return;
  std::fprintf(stderr, "\r%s%*s", text.c_str(), static_cast<int>(width_ > text.size() ? width_ - text.size() : 0), "");
  std::fflush(stderr);
  width_ = text.size();
}

void ProgressLine::finish() {
  if (!enabled_ || width_ == 0) return;
  std::fprintf(stderr, "\r%*s\r", static_cast<int>(width_), "");
  std::fflush(stderr);
  width_ = 0;
}

std::function<void(const std::string&)> ProgressLine::status() {
  if (!enabled_) return {};
  return [this](const std::string& text) { update(text); };
}

}  // namespace tetris::cli
