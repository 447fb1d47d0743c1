#include "memmgr/happens_before.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "common/input_error.h"

namespace tetris::memmgr {

std::uint32_t HappensBefore::known(InstructionRef x, CoreId other) const {
  if (x.core == other) return x.index + 1;
  const std::size_t row = epoch_of_[x.core][x.index];
  return clocks_[row * position_.size() + other];
}

HappensBefore HappensBefore::analyze(const Program& program, std::string_view file) {
  const std::uint32_t cores = program.cores;
  HappensBefore hb;
  hb.position_.resize(cores);
  hb.epoch_of_.resize(cores);
  for (CoreId c = 0; c < cores; ++c) {
    hb.position_[c].resize(program.streams[c].size());
    hb.epoch_of_[c].resize(program.streams[c].size());
  }
  // Each core's clock of the others; entry c of core c is kept at 0 (its own count is implicit).
  std::vector<std::vector<std::uint32_t>> clock(cores, std::vector<std::uint32_t>(cores, 0));
  std::vector<std::uint32_t> epoch(cores);
  auto new_epoch = [&](CoreId c) {
    epoch[c] = static_cast<std::uint32_t>(hb.clocks_.size() / std::max<std::uint32_t>(cores, 1));
    hb.clocks_.insert(hb.clocks_.end(), clock[c].begin(), clock[c].end());
  };
  for (CoreId c = 0; c < cores; ++c) new_epoch(c);

  std::vector<std::uint32_t> next(cores, 0);
  std::map<SemaphoreId, std::vector<std::vector<std::uint32_t>>> signalled;  // clocks at each signal
  std::map<SemaphoreId, std::size_t> consumed;
  std::map<BarrierId, std::vector<CoreId>> arrived;
  std::vector<bool> waiting_at_barrier(cores, false);  // or at a multicast load
  std::map<MulticastId, std::vector<CoreId>> multicast_arrived;

  auto retire = [&](CoreId c) {
    hb.position_[c][next[c]] = hb.total_++;
    hb.epoch_of_[c][next[c]] = epoch[c];
    ++next[c];
  };
  // A core can take a step unless it waits on an unsignalled semaphore or sits at a barrier.
  auto runnable = [&](CoreId c) {
    if (next[c] >= program.streams[c].size() || waiting_at_barrier[c]) return false;
    if (const auto* wait = std::get_if<Wait>(&program.streams[c][next[c]].op)) {
      const auto it = signalled.find(wait->semaphore);
      return it != signalled.end() && it->second.size() > consumed[wait->semaphore];
    }
    return true;
  };

  while (true) {
    // Least-executed runnable core first: a lock-step-like interleaving, deterministic.
    std::optional<CoreId> chosen;
    for (CoreId c = 0; c < cores; ++c)
      if (runnable(c) && (!chosen || next[c] < next[*chosen])) chosen = c;
    if (!chosen) break;
    const CoreId c = *chosen;
    const Instruction& instruction = program.streams[c][next[c]];
    if (const auto* signal = std::get_if<Signal>(&instruction.op)) {
      auto snapshot = clock[c];
      snapshot[c] = next[c] + 1;
      signalled[signal->semaphore].push_back(std::move(snapshot));
      retire(c);
    } else if (const auto* wait = std::get_if<Wait>(&instruction.op)) {
      const auto& snapshot = signalled[wait->semaphore][consumed[wait->semaphore]++];
      for (CoreId o = 0; o < cores; ++o)
        if (o != c) clock[c][o] = std::max(clock[c][o], snapshot[o]);
      new_epoch(c);
      retire(c);
    } else if (const auto* barrier = std::get_if<Barrier>(&instruction.op)) {
      auto& here = arrived[barrier->id];
      here.push_back(c);
      waiting_at_barrier[c] = true;
      const auto& participants = program.barriers.at(barrier->id);
      if (here.size() == participants.size()) {
        // Release: everyone learns what every participant knew on arrival.
        std::vector<std::uint32_t> merged(cores, 0);
        for (CoreId p : participants) {
          for (CoreId o = 0; o < cores; ++o) merged[o] = std::max(merged[o], clock[p][o]);
          merged[p] = std::max(merged[p], next[p] + 1);
        }
        for (CoreId p : participants) {
          clock[p] = merged;
          clock[p][p] = 0;
          new_epoch(p);
          waiting_at_barrier[p] = false;
          retire(p);
        }
      }
    } else if (const auto* load = std::get_if<Load>(&instruction.op); load && load->multicast) {
      // A rendezvous of load units: it can complete only once every participant issued it. It
      // adds no order (each copy is treated as the plain load it also is), only the wait.
      auto& here = multicast_arrived[*load->multicast];
      here.push_back(c);
      waiting_at_barrier[c] = true;
      if (here.size() == program.multicasts.at(*load->multicast).size())
        for (CoreId p : here) {
          waiting_at_barrier[p] = false;
          retire(p);
        }
    } else {
      retire(c);
    }
  }
  std::string blocked;
  for (CoreId c = 0; c < cores; ++c) {
    if (next[c] >= program.streams[c].size()) continue;
    const Instruction& at = program.streams[c][next[c]];
    const auto* load = std::get_if<Load>(&at.op);
    std::string what = std::holds_alternative<Barrier>(at.op)
                           ? fmt::format("barrier {}", std::get<Barrier>(at.op).id)
                       : std::holds_alternative<Wait>(at.op) ? fmt::format("wait {}", std::get<Wait>(at.op).semaphore)
                       : load && load->multicast         ? fmt::format("multicast load {}", *load->multicast)
                                                         : "an instruction";
    blocked += fmt::format("{}core {} at instruction {}{} ({})", blocked.empty() ? "" : "; ", c, next[c],
                           at.line ? fmt::format(" (line {})", at.line) : std::string(), what);
  }
  if (!blocked.empty())
    throw InputError({std::string(file)}, fmt::format("the program can never complete (deadlock): {}", blocked));
  return hb;
}

}  // namespace tetris::memmgr
