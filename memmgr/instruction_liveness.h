// Instruction-level liveness, the Tetris analysis: each tensor split into pieces by the byte
// ranges its loads and stores touch, each piece alive from its first write to its last read under ≺.
//
// Two pieces of different tensors may share addresses only when every access of one happens
// before every write of the other (in every execution the synchronisation allows); otherwise they
// conflict. Graph inputs count as written before the program starts and graph outputs as read
// after it ends. Timing observed in one run never counts.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/trace.h"
#include "memmgr/happens_before.h"
#include "memmgr/problem.h"

namespace tetris::memmgr {

struct InstructionLivenessOptions {
  std::uint64_t alignment = 1;
  // Piece policy: a 2-D access counts as touching its whole bounding range (conservative: more
  // accesses only add conflicts). A tensor is cut at every access boundary (thinned evenly past
  // 16384 segments), neighbours with identical lifetimes are merged, and while more than this
  // many pieces remain, the neighbours whose merge costs least are merged: pieces of different
  // cores last (a band boundary), then the smallest growth of the live window. A merged piece
  // takes the union of the accesses, which is again conservative.
  std::uint32_t max_pieces_per_tensor = 16384;
  // How conflicting pieces are found. `blocks` (the default) compares whole stretches of two
  // tensors' pieces by their per-core bounds and records a stretch that conflicts throughout as
  // one block, so time and memory follow the runs of conflicts. `pairwise` tests every two pieces
  // whose windows overlap: the definition, kept as the reference the blocks are tested against.
  enum class ConflictSearch { blocks, pairwise };
  ConflictSearch conflict_search = ConflictSearch::blocks;
  // What the analysis may hold (0: default_memory_budget(), half of physical memory). Pieces and
  // conflict blocks are counted against it as they are made; past it the analysis stops with an
  // InputError naming --max-memory and what to reduce.
  std::uint64_t max_memory_bytes = 0;
  // The most conflict records (blocks and runs) the problem may hold, the budget permitting. Past
  // the default, kMaxConflictRecords, problems are more than the search handles well; the
  // pairwise reference needs more on the biggest zoo problems (tests/pipeline).
  std::uint64_t max_conflict_records = kMaxConflictRecords;
};

// Lower bound: the largest of three valid bounds. (1) The maximum, over the interleaving
// HappensBefore chose, of the bytes of pieces between their first write and last access. That
// interleaving is an execution the synchronisation allows, and pieces live together in it
// conflict (an access at a later position cannot happen before a write at an earlier one), so any
// safe plan gives them disjoint addresses: no safe plan has a smaller peak. (2) The same over
// every consistent cut, not only that interleaving's (cut_bound.h): one core at the end of an
// epoch while another is at its start, or, under p2p sync, layers ahead; its pieces are the
// problem's lower_bound_witness(). (3) The rigid pair bound (rigid_pair_bound.h), which (1) and
// (2) miss because they let a tensor's pieces move apart.
Problem instruction_liveness(const Program& program, const HappensBefore& hb,
                             const InstructionLivenessOptions& options, std::string_view origin);

}  // namespace tetris::memmgr
