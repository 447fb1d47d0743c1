// Entry point of the `tetris` command line. libsystemc owns main(), so ours is sc_main; it
// dispatches to a subcommand and maps how it ended to one exit code (cli.h): input errors to 2,
// anything unexpected to 3 with a message that says it is a bug.
#include <systemc>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "apps/tetris/cli.h"
#include "common/file_io.h"

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

}  // namespace

int sc_main(int argc, char* argv[]) {
  using namespace tetris::cli;
  tetris::stop_cleanly_on_interrupt();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage(args.empty() ? stderr : stdout);
    return args.empty() ? kExitBadInput : kExitOk;
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
    fmt::print(stderr, "tetris: unknown command '{}'\n\n",
               args.size() > 1 && !args[1].empty() && args[1].front() != '-' ? args[0] + " " + args[1] : args[0]);
    print_usage(stderr);
    return kExitBadInput;
  }
  return run_guarded(*chosen, std::span<const std::string>(args).subspan(words));
}
