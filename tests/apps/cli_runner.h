// Runs the real `tetris` binary for CLI tests: exit code, stdout and stderr as a user sees them.
// ctest runs tests in parallel processes, so the capture files carry the pid.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "common/file_io.h"

namespace tetris::testing_cli {

struct CliResult {
  int exit_code;
  std::string out, err;
};

// `arguments` go to the binary as written (shell syntax); it runs in `folder`.
inline CliResult run_tetris(const std::string& arguments, const std::string& folder) {
  const std::string stem = testing::TempDir() + "tetris_cli_" + std::to_string(::getpid());
  const std::string command = "cd '" + folder + "' && '" + TETRIS_BINARY + "' " + arguments + " >'" + stem +
                              ".out' 2>'" + stem + ".err' </dev/null";
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text_file(stem + ".out"), read_text_file(stem + ".err")};
}

}  // namespace tetris::testing_cli
