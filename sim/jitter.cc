#include "sim/jitter.h"

namespace tetris::sim {

Cycles Jitter::extra(Cycles base, CoreId core, std::uint32_t instruction, JitterTarget target) const {
  return CoreJitter(*this, core).extra(base, instruction, target);
}

CoreJitter::CoreJitter(const Jitter& jitter, CoreId core)
    : enabled_(jitter.enabled()), salt_(enabled_ ? splitmix64(splitmix64(*jitter.seed()) ^ core) : 0) {}

}  // namespace tetris::sim
