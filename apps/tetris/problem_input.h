// How commands that plan take their problem: a MiniMalloc CSV, or a trace analysed for liveness
// at the level asked for (--level topology|instruction).
#pragma once

#include <boost/program_options.hpp>
#include <cstdint>
#include <string>

#include "memmgr/problem.h"

namespace tetris::cli {

struct ProblemInputOptions {
  std::string path;
  std::string level = "instruction";
  std::uint32_t max_pieces = 1024;
  std::uint64_t alignment = 64;  // the machine configs' memory.alignment_bytes

  void add_to(boost::program_options::options_description& options);
  memmgr::Problem load() const;
};

}  // namespace tetris::cli
