// Shared pieces of the `tetris` command line: the command table, common options and output.
// Each subcommand is a free function taking its arguments and returning the exit code.
#pragma once

#include <boost/program_options.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/machine_config.h"
#include "memmgr/planner.h"
#include "workloads/lowering.h"

namespace tetris::cli {

// Exit codes, documented in the README and `tetris --help`; each means one thing, so scripts
// and CI can tell a found conflict from a refused input from a bug in tetris.
inline constexpr int kExitOk = 0;
inline constexpr int kExitCheckFailed = 1;  // the input was fine, but a check it asked for failed
inline constexpr int kExitBadInput = 2;     // bad usage, file, config or trace
inline constexpr int kExitBug = 3;          // an internal error: a bug in tetris

struct Command {
  std::string_view name;  // e.g. "config show"
  std::string_view summary;
  int (*run)(std::span<const std::string> args);
};

std::span<const Command> commands();

// Runs `command` and maps how it ended to the exit code: its own return value, 2 for an
// InputError or bad usage (message on stderr), 3 for anything else, which is a bug in tetris.
int run_guarded(const Command& command, std::span<const std::string> args);

// --config and -p, the way every subcommand that needs a machine takes them.
struct ConfigOptions {
  std::string config;  // empty: the command's default
  std::vector<std::string> params;

  // `default_help` says what an absent --config means for this command.
  void add_to(boost::program_options::options_description& options,
              std::string_view default_help = kDefaultConfigName);
  MachineConfig load(std::string_view fallback = kDefaultConfigName) const;
};

// --out, --json and --quiet.
struct OutputOptions {
  std::string out;
  bool json = false;
  bool quiet = false;

  // --out names a file, checked before any work (check_output_file); a command whose --out is a
  // folder passes `out_is_folder` and checks it itself.
  void add_to(boost::program_options::options_description& options, std::string_view out_help,
              bool out_is_folder = false);
  // Writes `text` to --out (atomically) or to stdout.
  void emit(std::string_view text) const;
};

// --sync, --partition, --schedule, --blocks, --no-fuse and --fuse-residual, for the commands that lower a model.
struct LoweringFlags {
  std::string sync{workloads::to_string(workloads::LoweringOptions{}.sync)};
  std::string partition{workloads::to_string(workloads::LoweringOptions{}.partition)};
  bool no_fuse = !workloads::LoweringOptions{}.fuse;
  bool fuse_residual = workloads::LoweringOptions{}.fuse_residual;
  std::string blocks{workloads::to_string(workloads::LoweringOptions{}.blocks)};
  std::string schedule{workloads::to_string(workloads::LoweringOptions{}.schedule)};
  double cascade_slowdown = workloads::LoweringOptions{}.cascade_slowdown;

  void add_to(boost::program_options::options_description& options);
  workloads::LoweringOptions parse() const;  // InputError naming the flag on an unknown mode
};

// --seed, --time-limit, --generations and --threads of the Tetris search, with the defaults of
// memmgr::PlannerOptions.
void add_search_options(boost::program_options::options_description& options, memmgr::PlannerOptions& search);
// --max-memory SIZE ("512MiB", "2GiB", bytes): what an analysis may hold (common/memory_budget.h).
void add_memory_option(boost::program_options::options_description& options, std::uint64_t& max_memory_bytes);

// --seq and --weight-density, which every command that loads a model takes.
void add_model_shape_options(boost::program_options::options_description& options, std::uint64_t& sequence,
                             double& weight_density);

// `argument` as a POSIX shell reads it back: as is when it has no special characters, else in
// single quotes. For the command line a report records.
std::string shell_quoted(std::string_view argument);

// Parses `args` for command `name`; returns false (after printing help) when --help was asked.
// Throws boost::program_options::error on bad usage.
bool parse(std::string_view name, std::string_view usage, std::span<const std::string> args,
           boost::program_options::options_description& options,
           const boost::program_options::positional_options_description& positional);

// Subcommands.
int config_show(std::span<const std::string> args);
int trace_check(std::span<const std::string> args);
int model_show(std::span<const std::string> args);
int plan(std::span<const std::string> args);
int analyze(std::span<const std::string> args);
int lower(std::span<const std::string> args);
int run(std::span<const std::string> args);
int sim(std::span<const std::string> args);
int validate(std::span<const std::string> args);
int compare(std::span<const std::string> args);

}  // namespace tetris::cli
