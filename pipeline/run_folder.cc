#include "pipeline/run_folder.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <system_error>

#include <fmt/format.h>

#include "common/input_error.h"

namespace tetris::pipeline {
namespace fs = std::filesystem;
namespace {

// "out/" and "out" are one folder; its siblings are named after it.
fs::path folder_path(const std::string& dir) {
  fs::path path = fs::path(dir).lexically_normal();
  if (!path.has_filename() && path.has_parent_path()) path = path.parent_path();
  return path;
}

bool process_alive(long pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }

// Siblings NAME.run-staging.PID and NAME.run-old.PID whose process is gone: a killed run's.
void sweep_stale(const fs::path& folder) {
  std::error_code ec;
  const fs::path parent = folder.has_parent_path() ? folder.parent_path() : fs::path(".");
  const std::string name = folder.filename().string();
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    const std::string sibling = entry.path().filename().string();
    for (const std::string_view kind : {".run-staging.", ".run-old."}) {
      const std::string prefix = name + std::string(kind);
      if (sibling.size() <= prefix.size() || sibling.compare(0, prefix.size(), prefix) != 0) continue;
      long pid = 0;
      const char* digits = sibling.data() + prefix.size();
      const auto [end, error] = std::from_chars(digits, sibling.data() + sibling.size(), pid);
      if (error == std::errc{} && end == sibling.data() + sibling.size() && pid > 0 && !process_alive(pid))
        fs::remove_all(entry.path(), ec);
    }
  }
}

}  // namespace

void check_run_folder(const std::string& dir) {
  const fs::path folder = folder_path(dir);
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(folder, ec);
  if (!fs::exists(status)) return;
  if (!fs::is_directory(status))
    throw InputError({"--out"}, fmt::format("'{}' exists and is not a folder: give a new or run folder", dir));
  if (!fs::is_empty(folder, ec) && !fs::exists(folder / "report.json") && !fs::exists(folder / "sweep.csv"))
    throw InputError({"--out"}, fmt::format("'{}' is a folder with other files than a run's (no report.json or sweep.csv): a run "
                                            "replaces its folder whole, so give a new or run folder",
                                            dir));
}

void publish_run_folder(const std::string& dir, const std::function<void(const fs::path&)>& write) {
  const fs::path folder = folder_path(dir);
  check_run_folder(dir);
  sweep_stale(folder);
  const std::string pid = std::to_string(::getpid());
  const fs::path staging = fs::path(folder.string() + ".run-staging." + pid);
  const fs::path old = fs::path(folder.string() + ".run-old." + pid);
  std::error_code ec;
  fs::remove_all(staging, ec);
  fs::create_directories(staging);
  try {
    write(staging);
  } catch (...) {
    fs::remove_all(staging, ec);
    throw;
  }
  // Another run may publish into the same place meanwhile: move whatever is there aside and try
  // again, so the folder ends as one whole run (the last to publish).
  for (int attempt = 0;; ++attempt) {
    if (fs::exists(fs::symlink_status(folder, ec))) {
      fs::remove_all(old, ec);
      fs::rename(folder, old, ec);
    }
    fs::rename(staging, folder, ec);
    if (!ec) break;
    if (attempt == 20) {
      fs::remove_all(staging);
      throw InputError({"--out"}, fmt::format("cannot move the run into '{}': {}", dir, ec.message()));
    }
  }
  fs::remove_all(old, ec);
}

}  // namespace tetris::pipeline
