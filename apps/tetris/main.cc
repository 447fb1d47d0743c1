// Entry point of the `tetris` command line. libsystemc owns main(), so ours is sc_main; it
// dispatches to a subcommand and maps how it ended to one exit code (cli.h): input errors to 2,
// anything unexpected to 3 with a message that says it is a bug.
#include <systemc>

#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "apps/tetris/cli.h"
#include "common/file_io.h"
#include "apps/tetris/version.h"

namespace {

// libsystemc's main() prints its banner before calling sc_main unless this variable is set;
// static initialisation of this program runs before that main(), so this is early enough.
// The output of tetris is data (tables, JSON) and stays free of it.
const bool kSystemcBannerOff = ::setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 1) == 0;

void print_usage(std::FILE* to) {
  fmt::print(to, "usage: tetris COMMAND [SUBCOMMAND] [OPTIONS]   (each takes --help)\n\ncommands:\n");
  for (const auto& command : tetris::cli::commands())
    fmt::print(to, "  {:<14} {}\n", command.name, command.summary);
  fmt::print(to,
             "\nexit codes: 0 success; 1 a requested check failed (conflict, deadlock, invalid plan);\n"
             "            2 bad usage or input; 3 internal error (a bug in tetris)\n");
}

// Edit distance, for "did you mean": a typo or a longer word for a command ("simulate").
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The command meant by `word`: one that starts with it or it with one ("config", "simulate"),
// else the nearest within two edits.
std::string suggestion(std::string_view word) {
  std::string best;
  std::size_t best_distance = 3;
  for (const auto& command : tetris::cli::commands()) {
    const std::string_view name = command.name;
    const std::string_view first = name.substr(0, name.find(' '));
    if (word.size() >= 2 && (first.starts_with(word) || word.starts_with(first))) return std::string(name);
    if (const std::size_t d = distance(word, first); d < best_distance) best = name, best_distance = d;
  }
  return best;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  using namespace tetris::cli;
  tetris::stop_cleanly_on_interrupt();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage(args.empty() ? stderr : stdout);
    return args.empty() ? kExitBadInput : kExitOk;
  }
  if (args[0] == "--version" || args[0] == "version") {
    fmt::print("tetris {}\n", tetris_version());
    return kExitOk;
  }
  const Command* chosen = nullptr;
  std::size_t words = 0;
  for (const auto& command : commands()) {
    const std::string_view name = command.name;
    const auto space = name.find(' ');
    if (name.substr(0, space) != args[0]) continue;
    if (space == std::string_view::npos) {
      chosen = &command, words = 1;
    } else if (args.size() > 1 && name.substr(space + 1) == args[1]) {
      chosen = &command, words = 2;
    }
  }
  if (!chosen) {
    const std::string said =
        args.size() > 1 && !args[1].empty() && args[1].front() != '-' ? args[0] + " " + args[1] : args[0];
    const std::string meant = suggestion(args[0]);
    fmt::print(stderr, "tetris: unknown command '{}'{}\n\n", said,
               meant.empty() ? "" : fmt::format(": did you mean 'tetris {}'?", meant));
    print_usage(stderr);
    return kExitBadInput;
  }
  return run_guarded(*chosen, std::span<const std::string>(args).subspan(words));
}
