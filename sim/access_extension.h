// What a memory request is about, carried on the TLM generic payload from a core to the memory:
// the instruction it serves (which names the tensor range; see AddressGrid) and its size. The
// payload's address and length are the range's address hull.
#pragma once

#include <optional>

#include <tlm>

#include "common/trace.h"
#include "sim/sim_types.h"

namespace tetris::sim {

class AccessExtension : public tlm::tlm_extension<AccessExtension> {
 public:
  CoreId core = 0;
  TransferKind kind = TransferKind::load;
  std::uint32_t slot = 0;  // which of the unit's requests in flight
  std::uint32_t index = 0;  // in the core's stream
  std::uint64_t bytes = 0;
  std::uint64_t row_bytes = 0;  // a 2-D transfer's rows, evenly spaced over the payload's range; 0: contiguous
  Cycles issued = 0;
  TensorId tensor = 0;
  std::uint32_t first_span = 0, end_span = 0;  // its AddressGrid spans
  std::optional<MulticastId> multicast;  // a load the memory reads once for all of its group

  tlm::tlm_extension_base* clone() const override { return new AccessExtension(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const AccessExtension&>(other);
  }
};

}  // namespace tetris::sim
