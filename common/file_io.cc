#include "common/file_io.h"

#include <unistd.h>

#include <csignal>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "common/input_error.h"

namespace tetris {
namespace {

// The temporary file being written, for the signal handler (which may only use what is
// async-signal-safe: a fixed buffer, a flag, unlink, write, _exit).
char g_temporary[4096];
volatile std::sig_atomic_t g_writing = 0;

extern "C" void on_interrupt(int signal) {
  if (g_writing) ::unlink(g_temporary);
  constexpr char message[] = "\ntetris: interrupted\n";
  [[maybe_unused]] const auto written = ::write(2, message, sizeof message - 1);
  ::_exit(128 + signal);
}

// Marks `temporary` as in progress for the lifetime of the guard.
struct TemporaryGuard {
  explicit TemporaryGuard(const std::string& temporary) {
    const std::size_t n = std::min(temporary.size(), sizeof g_temporary - 1);
    std::memcpy(g_temporary, temporary.data(), n);
    g_temporary[n] = '\0';
    g_writing = temporary.size() < sizeof g_temporary;
  }
  ~TemporaryGuard() { g_writing = 0; }
  TemporaryGuard(const TemporaryGuard&) = delete;
  TemporaryGuard& operator=(const TemporaryGuard&) = delete;
};

}  // namespace

void stop_cleanly_on_interrupt() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

std::string read_text_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw InputError({path}, "is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError({path}, fmt::format("cannot open the file: {}", std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

void write_text_file_atomically(const std::string& path, std::string_view contents) {
  const std::string temporary = fmt::format("{}.tmp.{}", path, ::getpid());
  const TemporaryGuard guard(temporary);
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError({path}, fmt::format("cannot write: {}", std::strerror(errno)));
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.flush();
    if (!out) {
      std::remove(temporary.c_str());
      throw InputError({path}, fmt::format("write failed: {}", std::strerror(errno)));
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::remove(temporary.c_str());
    throw InputError({path}, fmt::format("cannot rename into place: {}", ec.message()));
  }
}

}  // namespace tetris
