// A run folder holds the files of exactly one run: they are written into a staging folder beside
// it and replace it whole, so concurrent, failed or killed runs never leave a mix.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

namespace tetris::pipeline {

// Refuses (InputError naming `--out`, exit 2) before any work is done: a path that exists and is
// not a folder, and a non-empty folder that is not a run or sweep folder (no report.json or
// sweep.csv), which
// publishing would replace with everything in it.
void check_run_folder(const std::string& dir);

// Calls write(staging) with an empty folder beside `dir`, then moves it into place as `dir`,
// replacing an earlier run folder there. When write throws, `dir` is left as it was and the
// staging folder removed. Also removes staging folders that killed runs left beside `dir`.
void publish_run_folder(const std::string& dir, const std::function<void(const std::filesystem::path&)>& write);

}  // namespace tetris::pipeline
