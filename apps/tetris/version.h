// The tool's version: the release and the commit it was built from, as `tetris --version` prints
// it and reports record it.
#pragma once

#include <string_view>

namespace tetris::cli {

std::string_view tetris_version();

}  // namespace tetris::cli
