#include "apps/tetris/cli.h"

#include <cstdio>
#include <iostream>

#include <fmt/format.h>

#include "common/file_io.h"

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
  };
  return kCommands;
}

void ConfigOptions::add_to(po::options_description& options) {
  options.add_options()
      ("config,c", po::value(&config)->default_value(config),
       "machine config: a YAML file, or a built-in name (cambricon-x-1core, cambricon-x-4core, "
       "cambricon-x-16core)")
      ("param,p", po::value(&params)->composing(),
       "override a config key, e.g. -p memory.bandwidth_bytes_per_cycle=64 (repeatable)");
}

MachineConfig ConfigOptions::load() const {
  std::vector<ConfigOverride> overrides;
  for (const auto& p : params) overrides.push_back(parse_override(p));
  return load_machine_config(config, overrides);
}

void OutputOptions::add_to(po::options_description& options, std::string_view out_help) {
  options.add_options()
      ("out,o", po::value(&out), std::string(out_help).c_str())
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

bool parse(std::string_view name, std::string_view usage, std::span<const std::string> args,
           po::options_description& options, const po::positional_options_description& positional) {
  options.add_options()("help,h", po::bool_switch(), "show this help");
  po::variables_map vm;
  po::store(po::command_line_parser(std::vector<std::string>(args.begin(), args.end()))
                .options(options)
                .positional(positional)
                .run(),
            vm);
  // Before notify(), so --help works without the required arguments.
  if (vm["help"].as<bool>()) {
    std::cout << fmt::format("usage: tetris {} {}\n\n", name, usage) << options << "\n";
    return false;
  }
  po::notify(vm);
  return true;
}

}  // namespace tetris::cli
