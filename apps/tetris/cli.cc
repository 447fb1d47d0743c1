#include "apps/tetris/cli.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <typeinfo>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <new>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/builtin_configs.h"
#include "common/file_io.h"
#include "common/input_error.h"
#include "common/memory_budget.h"

namespace po = boost::program_options;

namespace tetris::cli {

std::span<const Command> commands() {
  static const Command kCommands[] = {
      {"config show", "validate a machine config and print the effective values", config_show},
      {"trace check", "validate a trace; print per-core instruction counts and tensor totals", trace_check},
      {"model show", "load a model (zoo name, .yaml or .onnx); print per-layer shapes and MACs", model_show},
      {"lower", "lower a model onto the machine's cores: write the trace, print per-layer MACs, bytes, tiles", lower},
      {"analyze", "liveness of a trace at topology and instruction level: pieces, conflicts, lower bounds", analyze},
      {"run", "lower, analyse, plan with every planner, simulate the Tetris plan; write the report (default: ResNet-50, 4 cores)", run},
      {"plan", "plan a problem (MiniMalloc CSV or trace) with one planner; validate and write the plan", plan},
      {"sim", "simulate a trace with a plan on N cores: cycles, stalls, rooflines; check the plan (exit 1 on a conflict)", sim},
      {"validate", "check a plan file against a trace or problem: conflicting pieces apart, aligned, within capacity", validate},
      {"compare", "two runs side by side: the settings that differ; per plan footprint, cycles and safety", compare},
  };
  return kCommands;
}

int run_guarded(const Command& command, std::span<const std::string> args) {
  try {
    return command.run(args);
  } catch (const InputError& e) {
    fmt::print(stderr, "tetris: error: {}\n", e.what());
    return kExitBadInput;
  } catch (const po::error& e) {
    fmt::print(stderr, "tetris {}: {}\n(see tetris {} --help)\n", command.name, e.what(), command.name);
    return kExitBadInput;
  } catch (const std::filesystem::filesystem_error& e) {
    // A folder that cannot be made or read is the user's to fix (permissions, a file in the way).
    fmt::print(stderr, "tetris: error: {}\n", e.what());
    return kExitBadInput;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "tetris: internal error: out of memory (a bug: tetris should refuse inputs this large)\n");
    return kExitBug;
  } catch (const std::exception& e) {
    fmt::print(stderr, "tetris: internal error (a bug in tetris, please report it with the command line): {}\n",
               e.what());
    return kExitBug;
  } catch (...) {
    fmt::print(stderr, "tetris: internal error (a bug in tetris): an exception of unknown type\n");
    return kExitBug;
  }
}

void ConfigOptions::add_to(po::options_description& options, std::string_view default_help) {
  const std::string help = fmt::format("machine config: a YAML file, or a built-in name ({}); default: {}",
                                       fmt::join(builtin_config_names(), ", "), default_help);
  options.add_options()
      ("config,c", po::value(&config), help.c_str())
      ("param,p", po::value(&params)->composing(),
       "override a config key, e.g. -p memory.latency_cycles=200 (repeatable)");
}

MachineConfig ConfigOptions::load(std::string_view fallback) const {
  std::vector<ConfigOverride> overrides;
  for (const auto& p : params) overrides.push_back(parse_override(p));
  return load_machine_config(config.empty() ? std::string(fallback) : config, overrides);
}

void LoweringFlags::add_to(po::options_description& options) {
  options.add_options()
      ("sync", po::value(&sync)->default_value(sync),
       "barrier (all cores meet after each layer) or p2p (signal/wait between the cores whose bytes another reads)")
      ("partition", po::value(&partition)->default_value(partition),
       "rows (bands of output rows per core), channels (slices of output channels per core) or auto (per "
       "convolution, the grid of row bands x channel groups with the fewest estimated cycles, weight traffic "
       "included)")
      ("no-fuse", po::bool_switch(&no_fuse), "keep batch norm, scale, bias and activations as layers of their own")
      ("fuse-residual", po::bool_switch(&fuse_residual),
       "convolutions also absorb a residual add and what follows it: fewer bytes moved, but a higher live-bytes "
       "bound on residual networks (docs/lowering.md)")
      ("schedule", po::value(&schedule)->default_value(schedule),
       "layer (each layer on all cores, one after another), cascade (chains of consecutive layers run band "
       "by band on each core, their inner tensors in rolling buffers of a few rows; the layers of a chain are cut "
       "into rows; barrier sync) or auto (the most cascading whose simulated cycles stay within "
       "--cascade-slowdown of the layer schedule's, each schedule simulated with its Tetris plan: `run`'s "
       "search options, the defaults for `lower`)")
      ("cascade-slowdown", po::value(&cascade_slowdown)->default_value(cascade_slowdown),
       "with --schedule cascade: how much slower (0.1 = 10%) than its layers run one by one a chain may be "
       "estimated to be; with auto: how much slower the whole program may simulate; larger values trade "
       "cycles for memory")
      ("blocks", po::value(&blocks)->default_value(blocks),
       "tensor (each tensor placed whole), band (a block per storing core's band), tile (a block per stored "
       "tile), mixed (bands, the big activations in tiles) or auto (mixed where it lowers the live-bytes bound "
       "by 3%, else band): blocks are placed independently, so bands and tiles free their memory when they die");
}

workloads::LoweringOptions LoweringFlags::parse() const {
  workloads::LoweringOptions options;
  options.fuse = !no_fuse;
  if (no_fuse && fuse_residual) throw InputError({"--fuse-residual"}, "cannot fuse residual adds with --no-fuse");
  options.fuse_residual = fuse_residual;
  const auto schedule_mode = workloads::parse_schedule(schedule);
  if (!schedule_mode)
    throw InputError({"--schedule"}, fmt::format("unknown schedule '{}' (layer, cascade or auto)", schedule));
  options.schedule = *schedule_mode;
  if (!(cascade_slowdown >= 0) || cascade_slowdown > 1e6)
    throw InputError({"--cascade-slowdown"}, fmt::format("{} is not a share of cycles from 0 to 1e6", cascade_slowdown));
  options.cascade_slowdown = cascade_slowdown;
  const auto sync_mode = workloads::parse_sync_mode(sync);
  if (!sync_mode) throw InputError({"--sync"}, fmt::format("unknown sync mode '{}' (barrier or p2p)", sync));
  options.sync = *sync_mode;
  const auto partition_mode = workloads::parse_partition_mode(partition);
  if (!partition_mode)
    throw InputError({"--partition"}, fmt::format("unknown partition '{}' (rows, channels or auto)", partition));
  options.partition = *partition_mode;
  const auto block_mode = workloads::parse_block_mode(blocks);
  if (!block_mode) throw InputError({"--blocks"}, fmt::format("unknown block mode '{}' (tensor, band, tile, mixed or auto)", blocks));
  options.blocks = *block_mode;
  return options;
}

void add_search_options(po::options_description& options, memmgr::PlannerOptions& search) {
  options.add_options()
      ("seed", po::value(&search.seed)->default_value(search.seed), "seed of the Tetris search")
      ("time-limit",
       po::value(&search.time_limit_seconds)->default_value(search.time_limit_seconds)->notifier([](double seconds) {
         if (!std::isfinite(seconds) || seconds <= 0)
           throw InputError({"--time-limit"}, fmt::format("must be a positive number of seconds, got {}", seconds));
       }),
       "stop the Tetris search after this many seconds (the plan then depends on machine speed)")
      ("generations", po::value(&search.max_generations)->default_value(search.max_generations),
       "stop the Tetris search after this many generations (deterministic)")
      ("max-work", po::value(&search.max_work)->default_value(search.max_work),
       "stop the Tetris search once its decodes have visited this many conflicting buffer pairs "
       "(deterministic, and scaled to the problem: big problems stop here, well inside the time limit)")
      ("threads",
       po::value(&search.threads)->default_value(search.threads)->notifier([](unsigned threads) {
         if (threads < 1 || threads > memmgr::kMaxSearchThreads)
           throw InputError({"--threads"}, fmt::format("must be 1 to {}, got {}", memmgr::kMaxSearchThreads, threads));
       }),
       "search threads");
}

void add_model_shape_options(po::options_description& options, std::uint64_t& sequence, double& weight_density) {
  options.add_options()
      ("seq", po::value(&sequence), "tokens per sequence of a transformer model (YAML): overrides its input length")
      ("weight-density", po::value(&weight_density)->default_value(weight_density),
       "share of nonzero weights of the conv, fully_connected and matmul layers whose model file gives none "
       "(pruning; a core with core.index_bits > 0 skips the zeros)");
}

void add_memory_option(po::options_description& options, std::uint64_t& max_memory_bytes) {
  options.add_options()(
      "max-memory", po::value<std::string>()->notifier([&max_memory_bytes](const std::string& text) {
        const auto bytes = parse_byte_size(text);
        if (!bytes || *bytes == 0)
          throw InputError({"--max-memory"}, fmt::format("'{}' is not a size: give bytes, or e.g. 512MiB or 2GiB", text));
        max_memory_bytes = *bytes;
      }),
      "what the analysis may hold, e.g. 512MiB or 2GiB (default: half of this machine's memory); past it, exit 2 "
      "naming what to reduce");
}

std::string shell_quoted(std::string_view argument) {
  const bool plain = !argument.empty() && std::all_of(argument.begin(), argument.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("_./=:,+-@%").find(c) != std::string_view::npos;
  });
  if (plain) return std::string(argument);
  std::string out = "'";
  for (char c : argument) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void OutputOptions::add_to(po::options_description& options, std::string_view out_help, bool out_is_folder) {
  auto* out_value = po::value(&out);
  if (!out_is_folder) out_value->notifier([](const std::string& path) { check_output_file(path, "--out"); });
  options.add_options()
      ("out,o", out_value, std::string(out_help).c_str())
      ("json", po::bool_switch(&json), "print JSON instead of a table")
      ("quiet,q", po::bool_switch(&quiet), "print nothing but errors");
}

void OutputOptions::emit(std::string_view text) const {
  if (!out.empty()) {
    write_text_file_atomically(out, text);
    return;
  }
  if (!quiet) std::fwrite(text.data(), 1, text.size(), stdout);
}

namespace {

bool holds_unsigned(const po::variable_value& value) {
  const std::type_info& type = value.value().type();
  return type == typeid(std::uint64_t) || type == typeid(std::uint32_t) || type == typeid(unsigned long long) ||
         type == typeid(std::uint16_t);
}

}  // namespace

bool parse(std::string_view name, std::string_view usage, std::span<const std::string> args,
           po::options_description& options, const po::positional_options_description& positional) {
  options.add_options()("help,h", po::bool_switch(), "show this help");
  po::variables_map vm;
  const po::parsed_options parsed = po::command_line_parser(std::vector<std::string>(args.begin(), args.end()))
                                        .options(options)
                                        .positional(positional)
                                        .run();
  po::store(parsed, vm);
  // Before notify(), so --help works without the required arguments.
  if (vm["help"].as<bool>()) {
    std::cout << fmt::format("usage: tetris {} {}\n\n", name, usage) << options << "\n";
    return false;
  }
  // Boost reads "-5" into an unsigned option as 2^64 - 5; a count, seed or size is never negative.
  for (const po::option& option : parsed.options)
    for (const std::string& value : option.value)
      if (!value.empty() && value.front() == '-' && vm.count(option.string_key) && holds_unsigned(vm[option.string_key]))
        throw InputError({"--" + option.string_key}, fmt::format("must not be negative, got {}", value));
  try {
    po::notify(vm);
  } catch (const po::required_option& missing) {
    // Required options here are the positional arguments (a trace, a plan): name them as the usage does.
    std::string what = missing.get_option_name();
    while (!what.empty() && what.front() == '-') what.erase(0, 1);
    for (char& c : what) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    throw InputError({fmt::format("tetris {}", name)}, fmt::format("missing {}: usage: tetris {} {}", what, name, usage));
  }
  return true;
}

}  // namespace tetris::cli
