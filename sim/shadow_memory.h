// Which tensor each byte of the shared memory holds, per region of the AddressGrid: a flat array,
// written and read in whole regions.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "common/trace.h"
#include "sim/address_grid.h"
#include "sim/sim_types.h"

namespace tetris::sim {

// 8 bytes, so that more of the shadow memory stays in cache; a store is replayed once, so its id
// also tells when it was issued (the AccessMonitor keeps that).
struct Owner {
  static constexpr std::uint32_t kPreloaded = std::numeric_limits<std::uint32_t>::max();
  TensorId tensor = kNoTensor;        // kNoTensor: never written
  std::uint32_t store = kPreloaded;   // global id of the store that wrote it; kPreloaded: there from the start
  bool operator==(const Owner&) const = default;
};

class ShadowMemory {
 public:
  explicit ShadowMemory(const AddressGrid& grid) : owners_(grid.region_count()) {}

  // Regions [first, last).
  void write(std::uint32_t first, std::uint32_t last, Owner owner) {
    for (std::uint32_t s = first; s < last; ++s) owners_[s] = owner;
  }
  void prefetch(std::uint32_t region) const { __builtin_prefetch(owners_.data() + region, 1); }
  // Calls visit(first, last, owner) for each run of regions in [first, last) with one owner.
  template <typename Visit>
  void read(std::uint32_t first, std::uint32_t last, Visit&& visit) const {
    while (first < last) {
      std::uint32_t run = first + 1;
      while (run < last && owners_[run] == owners_[first]) ++run;
      visit(first, run, owners_[first]);
      first = run;
    }
  }

 private:
  std::vector<Owner> owners_;
};

}  // namespace tetris::sim
