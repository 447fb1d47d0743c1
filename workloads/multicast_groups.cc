#include "workloads/multicast_groups.h"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <tuple>
#include <vector>

namespace tetris::workloads {
namespace {

using u64 = std::uint64_t;
constexpr std::uint32_t kPlain = UINT32_MAX;
// A group ties its members' load units together, so they must reach it at about the same point of
// their work: members whose loads sit at positions in the layer (a load's rank among its core's
// loads of the layer, over their count) further apart than this are not grouped. Neighbouring row
// bands share halo rows, but one reads them first and the other last: grouped, the first waited
// for the other's whole band (VGG-16 on 4 cores ran 1.8x slower).
constexpr double kMaxPositionSpread = 0.125;

struct Candidate {
  LayerId layer;
  TensorId tensor;
  u64 offset, row_bytes, row_stride, rows;
  OnChipBuffer buffer;
  std::uint32_t k = 0;  // the how-many-th load of these bytes by this core in this layer
  CoreId core;
  std::uint32_t index;  // in the core's stream
  double position = 0;  // its rank among the core's candidate loads of the layer, over their count

  auto key() const { return std::tie(layer, tensor, offset, row_bytes, row_stride, rows, buffer); }
};

// The candidates grouped: group[c][i] is the tentative group of core c's instruction i (kPlain:
// none), and each group's members.
struct Tentative {
  std::vector<std::vector<std::uint32_t>> group;
  std::vector<std::vector<CoreId>> members;  // per group, ascending
};

Tentative find_candidates(const Program& program) {
  std::vector<Candidate> loads;
  std::vector<std::uint32_t> per_layer(program.layers.size());
  for (CoreId c = 0; c < program.cores; ++c) {
    const auto& stream = program.streams[c];
    const std::size_t first = loads.size();
    std::fill(per_layer.begin(), per_layer.end(), 0);
    for (std::uint32_t i = 0; i < stream.size(); ++i) {
      const auto* load = std::get_if<Load>(&stream[i].op);
      if (!load || !stream[i].layer) continue;
      if (load->multicast) throw std::logic_error("internal error: the program has multicast loads already");
      const TensorRange& r = load->range;
      if (r.bytes() < kMinMulticastBytes) continue;
      loads.push_back({*stream[i].layer, load->tensor, r.offset, r.row_bytes, r.row_stride, r.rows, load->buffer, 0, c, i,
                       static_cast<double>(per_layer[*stream[i].layer]++)});
    }
    for (std::size_t i = first; i < loads.size(); ++i) loads[i].position /= per_layer[loads[i].layer];
  }
  // Each core's loads of the same bytes numbered in stream order, then the k-th ones of all cores together.
  std::sort(loads.begin(), loads.end(), [](const Candidate& a, const Candidate& b) {
    return std::tuple_cat(a.key(), std::tie(a.core, a.index)) < std::tuple_cat(b.key(), std::tie(b.core, b.index));
  });
  for (std::size_t i = 1; i < loads.size(); ++i)
    if (loads[i].key() == loads[i - 1].key() && loads[i].core == loads[i - 1].core) loads[i].k = loads[i - 1].k + 1;
  std::sort(loads.begin(), loads.end(), [](const Candidate& a, const Candidate& b) {
    return std::tuple_cat(a.key(), std::tie(a.k, a.core)) < std::tuple_cat(b.key(), std::tie(b.k, b.core));
  });
  Tentative t;
  t.group.resize(program.cores);
  for (CoreId c = 0; c < program.cores; ++c) t.group[c].assign(program.streams[c].size(), kPlain);
  for (std::size_t i = 0; i < loads.size();) {
    std::size_t j = i + 1;
    while (j < loads.size() && loads[j].key() == loads[i].key() && loads[j].k == loads[i].k) ++j;
    const auto [low, high] = std::minmax_element(loads.begin() + static_cast<std::ptrdiff_t>(i),
                                                 loads.begin() + static_cast<std::ptrdiff_t>(j),
                                                 [](const Candidate& a, const Candidate& b) { return a.position < b.position; });
    if (j - i >= 2 && high->position - low->position <= kMaxPositionSpread) {
      const auto id = static_cast<std::uint32_t>(t.members.size());
      auto& members = t.members.emplace_back();
      for (std::size_t m = i; m < j; ++m) {
        t.group[loads[m].core][loads[m].index] = id;
        members.push_back(loads[m].core);
      }
    }
    i = j;
  }
  return t;
}

// Runs the synchronisation with the groups as rendezvous; while no core can move, the group the
// first core stuck at one waits for is dropped. Returns which groups stay.
std::vector<bool> keep_deadlock_free(const Program& program, const Tentative& t) {
  const CoreId cores = program.cores;
  std::vector<bool> kept(t.members.size(), true);
  std::vector<std::uint32_t> arrived(t.members.size(), 0);
  std::vector<std::uint32_t> next(cores, 0);
  std::vector<bool> arrived_here(cores, false);  // at its current barrier or group
  std::map<SemaphoreId, u64> signals, consumed;
  std::map<BarrierId, std::uint32_t> at_barrier;
  for (;;) {
    bool progress = false, finished = true;
    for (CoreId c = 0; c < cores; ++c) {
      const auto& stream = program.streams[c];
      while (next[c] < stream.size()) {
        const Operation& op = stream[next[c]].op;
        const std::uint32_t g = t.group[c][next[c]];
        if (const auto* wait = std::get_if<Wait>(&op)) {
          if (signals[wait->semaphore] <= consumed[wait->semaphore]) break;
          ++consumed[wait->semaphore];
        } else if (const auto* signal = std::get_if<Signal>(&op)) {
          ++signals[signal->semaphore];
        } else if (const auto* barrier = std::get_if<Barrier>(&op)) {
          if (!arrived_here[c]) ++at_barrier[barrier->id], arrived_here[c] = true;
          if (at_barrier[barrier->id] < program.barriers.at(barrier->id).size()) break;
        } else if (g != kPlain && kept[g]) {
          if (!arrived_here[c]) ++arrived[g], arrived_here[c] = true;
          if (arrived[g] < t.members[g].size()) break;
        }
        arrived_here[c] = false;
        ++next[c];
        progress = true;
      }
      if (next[c] < stream.size()) finished = false;
    }
    if (finished) return kept;
    if (progress) continue;
    bool dropped = false;
    for (CoreId c = 0; c < cores && !dropped; ++c) {
      if (next[c] >= program.streams[c].size()) continue;
      const std::uint32_t g = t.group[c][next[c]];
      if (g != kPlain && kept[g]) kept[g] = false, dropped = true;
    }
    if (!dropped) throw std::logic_error("internal error: the lowered program deadlocks without multicast loads");
  }
}

}  // namespace

MulticastSummary group_multicast_loads(Program& program) {
  MulticastSummary summary;
  if (program.cores < 2) return summary;
  const Tentative t = find_candidates(program);
  const std::vector<bool> kept = keep_deadlock_free(program, t);
  std::vector<MulticastId> id(t.members.size(), 0);
  for (std::uint32_t g = 0; g < t.members.size(); ++g) {
    if (!kept[g]) {
      ++summary.dropped_groups;
      continue;
    }
    id[g] = static_cast<MulticastId>(summary.groups++);
    summary.loads += t.members[g].size();
    program.multicasts.emplace(id[g], t.members[g]);
  }
  for (CoreId c = 0; c < program.cores; ++c)
    for (std::uint32_t i = 0; i < program.streams[c].size(); ++i)
      if (const std::uint32_t g = t.group[c][i]; g != kPlain && kept[g])
        std::get<Load>(program.streams[c][i].op).multicast = id[g];
  return summary;
}

}  // namespace tetris::workloads
