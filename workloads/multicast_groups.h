// Lowering's last stage on a machine that multicasts (memory.multicast: on): the loads several
// cores make of the same bytes in the same layer become multicast groups, read once for all.
#pragma once

#include <cstdint>

#include "common/trace.h"

namespace tetris::workloads {

// Loads smaller than this stay plain: a group ties its members' load units together, which costs
// more than a small load saves. Grouping every load, the weights of depthwise tiles (a few hundred
// bytes) made MobileNet-v1 on 4 cores 8% slower than without multicast; from 512 B it is 3%
// faster. 1 KiB gained more there (10%) but left ResNet-50's 896-byte input rows of its 3x3
// layers plain: 16 cores under p2p 3.19 M -> 3.49 M cycles (docs/simulator.md, "Multicast loads").
inline constexpr std::uint64_t kMinMulticastBytes = 512;

struct MulticastSummary {
  std::uint64_t groups = 0;          // multicast groups made
  std::uint64_t loads = 0;           // loads in them
  std::uint64_t dropped_groups = 0;  // candidates left plain, as their order would deadlock
};

// Groups each core's k-th load of one (layer, tensor, range, buffer) with the other cores' k-th
// load of it, when they sit at about the same point of each core's loads of the layer (within an
// eighth of them: a group read early by one core and late by another would hold the first back).
// A group is a rendezvous: each member waits until all have issued it, so groups must
// be met in one order every stream agrees with (and with the barriers and semaphores). The
// program's synchronisation is run symbolically with the groups; while it is stuck, the group one
// core waits at is left plain, until it completes. What is left can never deadlock.
// The program must have no multicast loads yet and must complete (validate_program and
// HappensBefore::analyze accept it); throws std::logic_error when it does not.
MulticastSummary group_multicast_loads(Program& program);

}  // namespace tetris::workloads
