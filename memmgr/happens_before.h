// Happens-before (≺) over a multi-core program: program order plus barrier and semaphore edges,
// as vector clocks stored once per sync epoch, and one interleaving consistent with ≺.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "common/trace.h"

namespace tetris::memmgr {

struct InstructionRef {
  CoreId core = 0;
  std::uint32_t index = 0;
};

class HappensBefore {
 public:
  // Runs the program's synchronisation symbolically. Throws InputError (naming `file` and each
  // blocked core's position) when it can never complete: a wait no signal satisfies, a barrier
  // some core never reaches, or a cycle of them.
  static HappensBefore analyze(const Program& program, std::string_view file = "trace");

  // How many instructions of core `other` happen before (or are) instruction x; for x's own core
  // that is x.index + 1. A vector clock, read one entry at a time.
  std::uint32_t known(InstructionRef x, CoreId other) const;

  // a ≺ b: a happens before b in every execution the synchronisation allows.
  bool before(InstructionRef a, InstructionRef b) const {
    return a.core == b.core ? a.index < b.index : a.index < known(b, a.core);
  }

  // Position of x in one interleaving consistent with ≺ (cores advanced least-executed first).
  std::uint64_t position(InstructionRef x) const { return position_[x.core][x.index]; }
  // Position of core c's instruction `index`, or total_instructions() when index is past its end.
  std::uint64_t position_or_end(CoreId core, std::uint32_t index) const {
    return index < position_[core].size() ? position_[core][index] : total_;
  }
  std::uint64_t total_instructions() const { return total_; }
  std::uint32_t cores() const { return static_cast<std::uint32_t>(position_.size()); }
  std::uint32_t stream_length(CoreId core) const { return static_cast<std::uint32_t>(position_[core].size()); }
  std::uint64_t epoch_count() const { return clocks_.size() / std::max<std::size_t>(1, position_.size()); }

 private:
  std::vector<std::vector<std::uint64_t>> position_;  // per core, per instruction
  std::vector<std::vector<std::uint32_t>> epoch_of_;  // per core, per instruction: row in clocks_
  std::vector<std::uint32_t> clocks_;                 // one row of `cores` entries per epoch
  std::uint64_t total_ = 0;
};

}  // namespace tetris::memmgr
