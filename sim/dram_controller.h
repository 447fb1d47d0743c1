// The shared memory as DRAM (memory.model: dram): channels of bank groups and banks with row
// buffers, timed by one part's JEDEC parameters, behind the same interface as MemoryArbiter.
//
// Address mapping, from the lowest bit: the byte within a burst, the channel, the bank group,
// the column (in bursts), the bank, the row. A sequential stream thus alternates channels and
// bank groups burst by burst (column commands tCCD_S apart, the bus at full speed) and stays in
// one row of each bank for channels x bank groups x one row's bytes (128 KiB with the defaults).
//
// A request is cut into segments: the bursts it needs in one row of one bank index of one
// channel (across that channel's bank groups). Each channel serves its segments one at a time,
// first-ready first-come-first-served: among the segments that have arrived, one whose banks
// all have its row open, else the oldest; a segment passed over kMaxBypasses times goes next.
// Serving a segment opens its row in each bank group it touches (precharge after tRAS, tRTP or
// tWR; activate after tRP, tRC, tRRD and within tFAW; column commands after tRCD), turns the
// bus around (tWTR after writes, the read-to-write gap after reads), then issues its column
// commands tCCD apart; its data ends CL (CWL) + BL/2 after the last. A request completes at the
// end of its last segment's data. Every tREFI a channel precharges all banks and refreshes for
// tRFC, once the segment on its bus is done. Approximation, stated in docs/simulator.md: a
// segment's first column command waits for every bank it touches to be open.
//
// Decisions are taken in time order per channel and depend only on the requests that arrived
// by then, so `advance` gives the same result however the caller cuts time into windows.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <queue>
#include <utility>
#include <vector>

#include "common/machine_config.h"
#include "sim/memory_arbiter.h"
#include "sim/sim_types.h"

namespace tetris::sim {

// Where a request's bytes are: `rows` rows of `row_bytes`, `row_stride` apart, from `address`.
struct DramAccess {
  std::uint64_t address = 0;
  std::uint64_t row_bytes = 0;
  std::uint64_t row_stride = 0;
  std::uint64_t rows = 1;
  bool write = false;
};

struct DramStats {
  std::uint64_t segments = 0;
  std::uint64_t row_hits = 0;    // a bank a segment touched had its row open
  std::uint64_t row_misses = 0;  // ... had no row open, or another (an activate)
  std::uint64_t refreshes = 0;
  std::uint64_t bursts = 0;      // every burst moves channel bus x burst length bytes
  std::uint64_t burst_bytes = 0;

  double row_hit_rate() const {
    const std::uint64_t n = row_hits + row_misses;
    return n == 0 ? 0.0 : static_cast<double>(row_hits) / static_cast<double>(n);
  }
  bool operator==(const DramStats&) const = default;
};

class DramController {
 public:
  using Completion = MemoryArbiter::Completion;
  // A segment that has waited while this many others were served before it goes next.
  static constexpr std::uint32_t kMaxBypasses = 16;
  // How many of a channel's waiting segments the scheduler looks at, as a controller's request
  // queue holds a few dozen.
  static constexpr std::size_t kQueueWindow = 32;
  static constexpr std::size_t kMaxBankGroups = 8;

  DramController(const DramConfig& dram, std::uint64_t clock_mhz);

  // A request identified by `tag` arrives at cycle `arrival` (>= now()); requests arriving in the
  // same cycle are taken in order of `key`.
  void add(std::uint64_t tag, std::uint64_t key, Cycles arrival, const DramAccess& access);
  // Takes every decision before cycle `to` and appends the requests completed at or before it, in
  // order of completion (then key).
  void advance(Cycles to, std::vector<Completion>& done);
  // No request completes before this cycle; nothing if nothing is left.
  std::optional<Cycles> completion_bound() const;
  // The earliest a request arriving at `arrival` can complete.
  Cycles earliest_completion(Cycles arrival) const;

  Cycles now() const { return now_; }
  bool idle() const { return pending_requests_ == 0 && announced_.empty(); }
  // Cycles of data on the channels' buses, averaged over the channels.
  Cycles busy_cycles() const;
  void record_busy() { recording_ = true; }
  // Intervals [begin, end) in which some channel's bus carried data, adjacent ones merged.
  const std::vector<std::pair<Cycles, Cycles>>& busy_intervals() const;
  const DramStats& stats() const { return stats_; }

 private:
  using Ps = std::uint64_t;  // DRAM time, in picoseconds
  static constexpr std::uint32_t kNoRow = 0xffffffff;

  struct Bank {
    std::uint32_t open_row = kNoRow;
    Ps activate_ok = 0;  // tRC after the last activate, tRP after a precharge, refresh
    Ps precharge_ok = 0;  // tRAS after the activate, tRTP after a read, tWR after a write's data
    Ps column_ok = 0;     // tRCD after the activate
  };
  struct Segment {
    std::uint32_t request;    // index in requests_
    std::uint32_t bank;       // bank index within its group
    std::uint32_t row;
    std::uint16_t bypassed = 0;
    std::uint8_t groups = 0;  // bit g: it has bursts in bank group g
    bool write = false;
    bool served = false;  // taken out of turn: skipped, popped once at the front
    std::array<std::uint32_t, kMaxBankGroups> bursts{};  // per bank group
    Ps arrival;
  };
  struct Channel {
    std::vector<Bank> banks;  // bank group x banks_per_group + bank
    std::deque<Segment> queue;  // in order of arrival; served ones stay until they reach the front
    Ps decide_at = 0;  // the next decision is no earlier: the last segment's first column command
    Ps data_free = 0;  // end of the last data on the bus
    Ps last_column = 0;
    bool last_write = false;
    bool any_column = false;
    std::vector<Ps> activates;  // the last four, for tFAW
    std::uint32_t last_activate_group = 0;
    Ps last_activate = 0;
    bool any_activate = false;
    Ps next_refresh;
    Ps busy = 0;
  };
  struct Request {
    std::uint64_t tag, key;
    Ps arrival;
    std::uint32_t segments_left;
    Ps end = 0;
  };
  struct Arrival {
    Cycles at;
    std::uint64_t key;
    std::uint64_t tag;
    DramAccess access;
    bool operator>(const Arrival& o) const { return at != o.at ? at > o.at : key > o.key; }
  };

  Ps to_ps(Cycles c) const;
  Cycles to_cycles_up(Ps p) const;
  void admit(Cycles to);  // arrivals before `to` become segments
  void split(std::uint32_t request, const DramAccess& access, Ps arrival);
  struct Piece {
    std::uint32_t channel;
    std::uint64_t page;
    std::array<std::uint32_t, kMaxBankGroups> bursts{};
  };
  std::vector<Piece> pieces_;  // split's scratch
  // Serves segments of channel c whose decision falls before `limit`.
  void decide(std::uint32_t c, Ps limit);
  void refresh_until(Channel& channel, Ps at);
  std::size_t pick(const Channel& channel, Ps at) const;
  void serve(Channel& channel, const Segment& segment, Ps at);

  DramConfig config_;
  std::uint64_t clock_mhz_;
  Ps tck_;
  Ps burst_time_;  // one burst on the data bus: BL/2 tCK
  std::uint32_t burst_bits_, channel_bits_, group_bits_, column_bits_, bank_bits_;
  std::vector<Channel> channels_;
  std::vector<Request> requests_;  // by index; slots reused
  std::vector<std::uint32_t> free_requests_;
  std::uint32_t pending_requests_ = 0;  // added, not yet complete in announced_
  std::vector<Arrival> arrivals_;       // a min-heap on (arrival, key)
  // Requests whose every segment is served, by (completion, key): min-heap.
  std::priority_queue<std::pair<std::pair<Cycles, std::uint64_t>, std::uint32_t>,
                      std::vector<std::pair<std::pair<Cycles, std::uint64_t>, std::uint32_t>>, std::greater<>>
      announced_;
  Cycles now_ = 0;
  DramStats stats_;
  bool recording_ = false;
  mutable std::vector<std::pair<Cycles, Cycles>> busy_intervals_;
  mutable bool busy_sorted_ = true;
};

}  // namespace tetris::sim
