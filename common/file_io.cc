#include "common/file_io.h"

#include <signal.h>
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
  // A closed pipe is how a reader such as `head` says it has had enough: stop without a word.
  if (signal != SIGPIPE) {
    constexpr char message[] = "\ntetris: interrupted\n";
    [[maybe_unused]] const auto written = ::write(2, message, sizeof message - 1);
  }
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
  for (const int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE}) ::sigaction(signal, &action, nullptr);
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

namespace {

// Removes `NAME.tmp.PID` files beside `path` whose process is gone: what a run killed by a
// signal no handler can catch (SIGKILL, a power cut) left behind. A live PID is left alone,
// even if it now belongs to another program, so nothing in use is ever removed.
void sweep_stale_temporaries(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  const std::string prefix = path.filename().string() + ".tmp.";
  const fs::path folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.size() > 9 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    const pid_t pid = static_cast<pid_t>(std::stol(digits));
    if (pid == ::getpid() || pid <= 0) continue;
    if (::kill(pid, 0) == -1 && errno == ESRCH) {
      std::error_code ignored;
      fs::remove(it->path(), ignored);
    }
  }
}

void write_through(const std::string& path, std::string_view contents) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw InputError({path}, fmt::format("cannot write: {}", std::strerror(errno)));
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  out.flush();
  if (!out) throw InputError({path}, fmt::format("write failed: {}", std::strerror(errno)));
}

}  // namespace

void check_output_file(const std::string& path, std::string_view option) {
  namespace fs = std::filesystem;
  if (path.empty()) throw InputError({std::string(option)}, "is an empty path");
  if (path == "-") return;
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw InputError({std::string(option)}, fmt::format("'{}' is a folder, expected a file", path));
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::is_directory(parent, ec))
    throw InputError({std::string(option)},
                     fmt::format("cannot write '{}': no folder '{}' (create it first)", path, parent.string()));
}

void write_text_file_atomically(const std::string& requested, std::string_view contents) {
  namespace fs = std::filesystem;
  if (requested == "-") {
    std::fwrite(contents.data(), 1, contents.size(), stdout);
    if (std::fflush(stdout) != 0 || std::ferror(stdout))
      throw InputError({"standard output"}, fmt::format("write failed: {}", std::strerror(errno)));
    return;
  }
  // Atomic replacement is for regular files and new names. A device, FIFO or socket (also
  // through a symlink, as /dev/stdout is) is written through: renaming over it would replace
  // the device node or leave the FIFO's reader with nothing.
  // /dev/stdout and /proc/self/fd/N name descriptors a caller opened (perhaps to append): they
  // are written through even when they lead to a regular file.
  std::error_code ec;
  const fs::file_status status = fs::status(requested, ec);
  const bool names_a_descriptor = requested.starts_with("/dev/") || requested.starts_with("/proc/");
  if (fs::exists(status) && !fs::is_directory(status) && (names_a_descriptor || !fs::is_regular_file(status))) {
    write_through(requested, contents);
    return;
  }
  if (fs::is_directory(status)) throw InputError({requested}, "is a directory, expected a file");
  // A symlink to a file: replace the file it names, keep the link.
  std::string path = requested;
  if (fs::is_symlink(fs::symlink_status(requested, ec))) {
    const fs::path target = fs::weakly_canonical(requested, ec);
    if (ec) throw InputError({requested}, fmt::format("cannot resolve the symlink: {}", ec.message()));
    path = target.string();
  }
  const std::string temporary = fmt::format("{}.tmp.{}", path, ::getpid());
  const TemporaryGuard guard(temporary);
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError({requested}, fmt::format("cannot write: {}", std::strerror(errno)));
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.flush();
    if (!out) {
      std::remove(temporary.c_str());
      throw InputError({requested}, fmt::format("write failed: {}", std::strerror(errno)));
    }
  }
  fs::rename(temporary, path, ec);
  if (ec) {
    std::remove(temporary.c_str());
    throw InputError({requested}, fmt::format("cannot rename into place: {}", ec.message()));
  }
  sweep_stale_temporaries(path);
}

}  // namespace tetris
