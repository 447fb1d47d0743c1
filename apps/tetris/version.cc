// The tool's version for --version and for the provenance of reports: 0.1.0 and `git describe`
// of the build (cmake/Version.cmake refreshes the header at every build).
#include "apps/tetris/version.h"

#include "tetris_version.h"

namespace tetris::cli {

std::string_view tetris_version() { return TETRIS_VERSION; }

}  // namespace tetris::cli
