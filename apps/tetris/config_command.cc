// `tetris config show`: the effective machine config after defaults and -p overrides.
#include "apps/tetris/cli.h"

namespace po = boost::program_options;

namespace tetris::cli {

int config_show(std::span<const std::string> args) {
  ConfigOptions config;
  OutputOptions output;
  po::options_description options("options");
  config.add_to(options);
  output.add_to(options, "write the effective config to this file instead of printing it");
  if (!parse("config show", "[--config FILE|NAME] [-p KEY=VALUE]... [--json] [--out FILE]", args, options, {}))
    return kExitOk;
  const MachineConfig machine = config.load();
  output.emit(output.json ? to_json(machine) : to_yaml(machine));
  return kExitOk;
}

}  // namespace tetris::cli
