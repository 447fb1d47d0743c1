// The live bytes of the worst moment any execution allows: the maximum, over every consistent cut
// of a multi-core program (a prefix of each core's stream closed under ≺), of the pieces alive there.
//
// One interleaving (the live-bytes bound) sees only the moments of one execution; under p2p sync
// a core may run layers ahead of a distant one, and even inside a barrier epoch one core may be
// at its end while another is at its start. Every safe plan must hold the pieces alive at every
// such moment apart, so the worst consistent cut bounds every plan from below.
//
// A piece counts at cut C when its write w is in C and one chosen access a of it (w ≺ a) is not.
// Any two counted pieces p, q conflict: were every access of p before every write of q, then
// q's write in C would put all of p's accesses, a among them, in C. Since w ≺ a, the counted
// bytes are sum(size · [w in C]) - sum(size · [a in C]), a weight per instruction summed over C,
// and the heaviest closed set of a partial order is a minimum cut (Picard 1976): exact, in
// polynomial time, with the cut itself as the witness.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "memmgr/happens_before.h"
#include "memmgr/problem.h"

namespace tetris::memmgr {

struct CutPiece {
  Offset size = 0;
  std::optional<InstructionRef> write;  // nullopt: written before the program starts
  std::optional<InstructionRef> until;  // an access with write ≺ until; nullopt: read after the end
};

struct CutBound {
  Offset bytes = 0;
  std::vector<std::uint32_t> cut;       // per core: instructions executed at the worst cut
  std::vector<std::uint32_t> counted;   // indices of the pieces alive there, ascending
};

// The instructions a cut bound may handle, and what its graph may hold per instruction (about
// 121 bytes on ResNet-50 / 16 cores / p2p at batch 32: nodes, arcs both ways with their
// properties, and the flow's own work; an analysis budgets it).
inline constexpr std::uint64_t kMaxCutBoundInstructions = std::uint64_t{1} << 21;
inline constexpr std::uint64_t kCutGraphBytesPerInstruction = 160;

// The maximum over consistent cuts of the bytes of counted pieces. Pieces whose `until` does not
// follow their `write` under `hb` are never counted (callers should not pass such). Returns
// std::nullopt when the program has more than kMaxCutBoundInstructions instructions.
std::optional<CutBound> max_live_bytes_over_cuts(const HappensBefore& hb, std::span<const CutPiece> pieces);

}  // namespace tetris::memmgr
