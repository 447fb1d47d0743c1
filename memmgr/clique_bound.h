// A heavier set of pieces that must lie apart: pieces that pairwise conflict (or share a buffer,
// whose pieces never overlap) need disjoint addresses, so their bytes bound every plan's peak.
//
// The worst consistent cut (cut_bound.h) is one such set, the pieces alive at one moment. Under
// happens-before, pieces can conflict pairwise without ever being alive at one moment: on
// ResNet-18 / 16 cores the input rows one core reads as another core's halo conflict with every
// band of the first convolution's output, but die before the second layer's output that the cut
// counts is born. So the set is grown from the cut by trading: each outside piece that conflicts
// with most of the set is forced in, the members it does not conflict with leave, and the rest is
// filled greedily, heaviest first. The result is a valid bound whatever the search finds
// (a maximum-weight clique is NP-hard to find, any clique bounds).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "memmgr/problem.h"

namespace tetris::memmgr {

struct CliqueSearchLimits {
  std::size_t trades_per_round = 16;  // distinct outside pieces forced in per round
  std::size_t rounds = 4;             // a round that finds nothing heavier ends the search
  // Conflict runs found (clique members' and candidates'), checked between trades: past it the
  // search stops with the heaviest set found. The runs found are kept (16 bytes each). The first
  // extension of the start is never cut, so what it costs is bounded by max_start instead; the
  // zoo's gains need under a tenth of this.
  std::uint64_t max_work = std::uint64_t{1} << 22;
  // A larger start is returned as it is: the first extension alone finds all its members' runs,
  // each scanning its buffer's conflict blocks (the pieces alive at the peak of ResNet-50 / 16
  // cores / p2p at batch 16, `--partition rows`: 0.24 s and 126 MB for nothing).
  std::size_t max_start = std::size_t{1} << 14;
};

struct Clique {
  std::vector<PieceId> pieces;  // ascending
  Offset bytes = 0;
};

// `start`: pieces that pairwise conflict or share a buffer (a cut's counted pieces). Returns a
// set at least as heavy, every pair of which conflicts or shares a buffer.
Clique heavier_clique(const Problem& problem, std::span<const PieceId> start, const CliqueSearchLimits& limits = {});

}  // namespace tetris::memmgr
