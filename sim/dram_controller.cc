#include "sim/dram_controller.h"

#include <algorithm>
#include <bit>
#include <cassert>

namespace tetris::sim {
namespace {

std::uint32_t log2_of(std::uint64_t power_of_two) { return static_cast<std::uint32_t>(std::countr_zero(power_of_two)); }

}  // namespace

DramController::DramController(const DramConfig& dram, std::uint64_t clock_mhz)
    : config_(dram),
      clock_mhz_(clock_mhz),
      tck_(dram.tck_ps),
      burst_time_(std::max<std::uint64_t>(1, dram.burst_length / 2) * dram.tck_ps),
      burst_bits_(log2_of(dram.bus_bytes * dram.burst_length)),
      channel_bits_(log2_of(dram.channels)),
      group_bits_(log2_of(dram.bank_groups)),
      column_bits_(log2_of(dram.columns / dram.burst_length)),
      bank_bits_(log2_of(dram.banks_per_group)),
      channels_(dram.channels) {
  assert(dram.bank_groups <= kMaxBankGroups);
  for (Channel& channel : channels_) {
    channel.banks.resize(dram.bank_groups * dram.banks_per_group);
    channel.next_refresh = dram.trefi * tck_;
  }
}

DramController::Ps DramController::to_ps(Cycles c) const {
  return static_cast<Ps>(static_cast<unsigned __int128>(c) * 1000000 / clock_mhz_);
}

Cycles DramController::to_cycles_up(Ps p) const {
  const unsigned __int128 scaled = static_cast<unsigned __int128>(p) * clock_mhz_;
  return static_cast<Cycles>((scaled + 999999) / 1000000);
}

void DramController::add(std::uint64_t tag, std::uint64_t key, Cycles arrival, const DramAccess& access) {
  assert(arrival >= now_);
  arrivals_.push_back({arrival, key, tag, access});
  std::push_heap(arrivals_.begin(), arrivals_.end(), std::greater<>());
  ++pending_requests_;
}

void DramController::split(std::uint32_t request, const DramAccess& access, Ps arrival) {
  // The request's segments, keyed by channel and page (bank and row: the address above the
  // column bits), in the order the request first touches them.
  std::vector<Piece>& pieces = pieces_;
  pieces.clear();
  const std::uint32_t page_shift = channel_bits_ + group_bits_ + column_bits_;
  const std::uint64_t channel_mask = config_.channels - 1, group_mask = config_.bank_groups - 1;
  auto piece_of = [&](std::uint32_t channel, std::uint64_t page) -> Piece& {
    for (auto it = pieces.rbegin(); it != pieces.rend(); ++it)
      if (it->channel == channel && it->page == page) return *it;
    pieces.push_back({channel, page, {}});
    return pieces.back();
  };
  const std::uint64_t interleave = config_.channels * config_.bank_groups;  // bursts per (channel, group) round
  for (std::uint64_t r = 0; r < access.rows; ++r) {
    const std::uint64_t begin = access.address + r * access.row_stride;
    if (access.row_bytes == 0) continue;
    std::uint64_t first = begin >> burst_bits_;
    const std::uint64_t last = (begin + access.row_bytes - 1) >> burst_bits_;
    while (first <= last) {
      // The bursts of one page: [first, chunk_last].
      const std::uint64_t page = first >> page_shift;
      const std::uint64_t chunk_last = std::min(last, ((page + 1) << page_shift) - 1);
      const std::uint64_t count = chunk_last - first + 1;
      if (count <= interleave) {
        for (std::uint64_t b = first; b <= chunk_last; ++b)
          ++piece_of(static_cast<std::uint32_t>(b & channel_mask), page).bursts[(b >> channel_bits_) & group_mask];
      } else {
        // Each (channel, group) pair recurs every `interleave` bursts.
        for (std::uint64_t j = 0; j < interleave; ++j) {
          const std::uint64_t b0 = first + ((j + interleave - first % interleave) % interleave);
          if (b0 > chunk_last) continue;
          const auto n = static_cast<std::uint32_t>((chunk_last - b0) / interleave + 1);
          piece_of(static_cast<std::uint32_t>(b0 & channel_mask), page).bursts[(b0 >> channel_bits_) & group_mask] += n;
        }
      }
      first = chunk_last + 1;
    }
  }
  requests_[request].segments_left = static_cast<std::uint32_t>(pieces.size());
  const std::uint64_t bank_mask = config_.banks_per_group - 1;
  for (const Piece& piece : pieces) {
    Segment segment{};
    segment.request = request;
    segment.bank = static_cast<std::uint32_t>(piece.page & bank_mask);
    segment.row = static_cast<std::uint32_t>((piece.page >> bank_bits_) & (config_.rows - 1));
    segment.bursts = piece.bursts;
    for (std::uint32_t g = 0; g < config_.bank_groups; ++g)
      if (piece.bursts[g] != 0) segment.groups |= static_cast<std::uint8_t>(1u << g);
    segment.arrival = arrival;
    segment.write = access.write;
    channels_[piece.channel].queue.push_back(segment);
  }
}

void DramController::admit(Cycles to) {
  while (!arrivals_.empty() && arrivals_.front().at < to) {
    const Arrival arrival = arrivals_.front();
    std::pop_heap(arrivals_.begin(), arrivals_.end(), std::greater<>());
    arrivals_.pop_back();
    std::uint32_t index;
    if (!free_requests_.empty()) {
      index = free_requests_.back();
      free_requests_.pop_back();
    } else {
      index = static_cast<std::uint32_t>(requests_.size());
      requests_.emplace_back();
    }
    const Ps at = to_ps(arrival.at);
    requests_[index] = {arrival.tag, arrival.key, at, 0, 0};
    split(index, arrival.access, at);
    if (requests_[index].segments_left == 0)  // nothing to move (an empty access): done on arrival
      announced_.push({{arrival.at, arrival.key}, index});
  }
}

void DramController::refresh_until(Channel& channel, Ps at) {
  if (channel.next_refresh > at) return;
  const Ps interval = config_.trefi * tck_;
  // Refreshes due while the bus was idle happen when due; the first waits for the bus and for
  // every open bank to allow its precharge.
  Ps start = std::max(channel.next_refresh, channel.data_free);
  bool open = false;
  for (const Bank& bank : channel.banks)
    if (bank.open_row != kNoRow) {
      open = true;
      start = std::max(start, bank.precharge_ok);
    }
  Ps done = start + (open ? config_.trp * tck_ : 0) + config_.trfc * tck_;
  std::uint64_t count = 1;
  channel.next_refresh += interval;
  if (channel.next_refresh <= at) {  // more were due: each at its time (or after the one before)
    const std::uint64_t more = (at - channel.next_refresh) / interval + 1;
    count += more;
    const Ps last_due = channel.next_refresh + (more - 1) * interval;
    done = std::max(done, last_due + config_.trfc * tck_);
    channel.next_refresh += more * interval;
  }
  stats_.refreshes += count;
  for (Bank& bank : channel.banks) {
    bank.open_row = kNoRow;
    bank.activate_ok = std::max(bank.activate_ok, done);
  }
}

std::size_t DramController::pick(const Channel& channel, Ps at) const {
  // First ready, first come: a segment whose rows are all open, else the oldest; one passed
  // over too often goes first.
  const std::size_t none = channel.queue.size();
  std::size_t oldest = none;
  std::size_t seen = 0;
  for (std::size_t i = 0; i < channel.queue.size() && seen < kQueueWindow; ++i) {
    const Segment& segment = channel.queue[i];
    if (segment.served) continue;
    ++seen;
    if (segment.arrival > at) break;  // in order of arrival: none after it has arrived either
    if (segment.bypassed >= kMaxBypasses) return i;
    if (oldest == none) oldest = i;
    bool open = true;
    for (unsigned groups = segment.groups; groups != 0 && open; groups &= groups - 1) {
      const auto g = static_cast<std::uint32_t>(std::countr_zero(groups));
      open = channel.banks[g * config_.banks_per_group + segment.bank].open_row == segment.row;
    }
    if (open) return i;  // hits before misses; the oldest passed over is counted by the caller
  }
  return oldest;
}

void DramController::serve(Channel& channel, const Segment& segment, Ps at) {
  const DramConfig& d = config_;
  Ps ready = at;  // every bank it touches open
  std::uint32_t total = 0, most = 0;
  for (unsigned groups = segment.groups; groups != 0; groups &= groups - 1) {
    const auto g = static_cast<std::uint32_t>(std::countr_zero(groups));
    total += segment.bursts[g];
    most = std::max(most, segment.bursts[g]);
    Bank& bank = channel.banks[g * d.banks_per_group + segment.bank];
    if (bank.open_row == segment.row) {
      ++stats_.row_hits;
      ready = std::max(ready, bank.column_ok);
      continue;
    }
    ++stats_.row_misses;
    Ps activate = bank.open_row == kNoRow ? at : std::max(at, bank.precharge_ok) + d.trp * tck_;
    activate = std::max(activate, bank.activate_ok);
    if (channel.any_activate) {
      activate = std::max(activate, channel.last_activate +
                                        (channel.last_activate_group == g ? d.trrd_l : d.trrd_s) * tck_);
    }
    if (channel.activates.size() == 4) {
      activate = std::max(activate, channel.activates.front() + d.tfaw * tck_);
      channel.activates.erase(channel.activates.begin());
    }
    channel.activates.push_back(activate);
    channel.last_activate = activate;
    channel.last_activate_group = g;
    channel.any_activate = true;
    bank.open_row = segment.row;
    bank.activate_ok = activate + d.trc * tck_;
    bank.precharge_ok = activate + d.tras * tck_;
    bank.column_ok = activate + d.trcd * tck_;
    ready = std::max(ready, bank.column_ok);
  }
  const Ps cas = (segment.write ? d.cwl : d.cl) * tck_;
  Ps first = ready;
  if (channel.any_column) {
    first = std::max(first, channel.last_column + d.tccd_s * tck_);
    if (channel.last_write && !segment.write)  // write data, then tWTR, then the read command
      first = std::max(first, channel.data_free + d.twtr_s * tck_);
    if (!channel.last_write && segment.write)  // the read's data must clear the bus: CL + BL/2 + 2 - CWL
      first = std::max(first, channel.last_column + (d.cl + d.burst_length / 2 + 2) * tck_ -
                                  std::min<Ps>((d.cl + d.burst_length / 2 + 2) * tck_, d.cwl * tck_));
  }
  if (channel.data_free > cas) first = std::max(first, channel.data_free - cas);
  // Column commands alternate bank groups tCCD_S apart, one bank group's tCCD_L apart, and the bus
  // takes one burst at a time.
  const Ps step = std::max<Ps>(d.tccd_s * tck_, burst_time_);
  const Ps span = std::max<Ps>(Ps{total - 1} * step, Ps{most - 1} * d.tccd_l * tck_);
  const Ps last = first + span;
  const Ps data_begin = first + cas, data_end = last + cas + burst_time_;
  for (unsigned groups = segment.groups; groups != 0; groups &= groups - 1) {
    Bank& bank = channel.banks[static_cast<std::uint32_t>(std::countr_zero(groups)) * d.banks_per_group + segment.bank];
    bank.precharge_ok =
        std::max(bank.precharge_ok, segment.write ? data_end + d.twr * tck_ : last + d.trtp * tck_);
  }
  channel.decide_at = first;
  channel.last_column = last;
  channel.any_column = true;
  channel.last_write = segment.write;
  channel.data_free = data_end;
  channel.busy += Ps{total} * burst_time_;
  stats_.segments += 1;
  stats_.bursts += total;
  stats_.burst_bytes += std::uint64_t{total} * d.bus_bytes * d.burst_length;
  if (recording_) {
    busy_intervals_.emplace_back(static_cast<Cycles>(static_cast<unsigned __int128>(data_begin) * clock_mhz_ / 1000000),
                                 to_cycles_up(data_end));
    busy_sorted_ = false;
  }
  Request& request = requests_[segment.request];
  request.end = std::max(request.end, data_end);
  if (--request.segments_left == 0) announced_.push({{to_cycles_up(request.end), request.key}, segment.request});
}

void DramController::decide(std::uint32_t c, Ps limit) {
  Channel& channel = channels_[c];
  for (;;) {
    while (!channel.queue.empty() && channel.queue.front().served) channel.queue.pop_front();
    if (channel.queue.empty()) return;
    const Ps at = std::max(channel.decide_at, channel.queue.front().arrival);
    if (at >= limit) return;
    refresh_until(channel, at);
    const std::size_t chosen = pick(channel, at);
    assert(chosen < channel.queue.size());
    for (std::size_t i = 0; i < chosen; ++i)
      if (!channel.queue[i].served && channel.queue[i].arrival <= at) ++channel.queue[i].bypassed;
    Segment& segment = channel.queue[chosen];
    segment.served = true;
    serve(channel, segment, at);
  }
}

void DramController::advance(Cycles to, std::vector<Completion>& done) {
  if (to < now_) return;
  admit(to);
  const Ps limit = to_ps(to);
  for (std::uint32_t c = 0; c < channels_.size(); ++c) decide(c, limit);
  while (!announced_.empty() && announced_.top().first.first <= to) {
    const auto [when, index] = announced_.top();
    announced_.pop();
    done.push_back({requests_[index].tag, when.first});
    free_requests_.push_back(index);
    --pending_requests_;
  }
  now_ = to;
}

Cycles DramController::earliest_completion(Cycles arrival) const {
  return to_cycles_up(to_ps(arrival) + std::min(config_.cl, config_.cwl) * tck_ + burst_time_);
}

std::optional<Cycles> DramController::completion_bound() const {
  std::optional<Cycles> bound;
  auto take = [&](Cycles c) { bound = bound ? std::min(*bound, c) : c; };
  if (!announced_.empty()) take(announced_.top().first.first);
  const Ps cas = std::min(config_.cl, config_.cwl) * tck_;
  for (const Channel& channel : channels_) {
    // The front is the earliest arrival waiting (served ones are popped before deciding).
    const auto waiting = std::find_if(channel.queue.begin(), channel.queue.end(), [](const Segment& s) { return !s.served; });
    if (waiting == channel.queue.end()) continue;
    const Ps decide = std::max(channel.decide_at, waiting->arrival);
    take(to_cycles_up(std::max(decide + cas, channel.data_free) + burst_time_));
  }
  for (const Arrival& a : arrivals_) take(earliest_completion(a.at));
  return bound;
}

Cycles DramController::busy_cycles() const {
  Ps busy = 0;
  for (const Channel& channel : channels_) busy += channel.busy;
  return to_cycles_up(busy / channels_.size());
}

const std::vector<std::pair<Cycles, Cycles>>& DramController::busy_intervals() const {
  if (!busy_sorted_) {
    std::sort(busy_intervals_.begin(), busy_intervals_.end());
    std::vector<std::pair<Cycles, Cycles>> merged;
    for (const auto& interval : busy_intervals_) {
      if (!merged.empty() && interval.first <= merged.back().second)
        merged.back().second = std::max(merged.back().second, interval.second);
      else
        merged.push_back(interval);
    }
    busy_intervals_ = std::move(merged);
    busy_sorted_ = true;
  }
  return busy_intervals_;
}

}  // namespace tetris::sim
