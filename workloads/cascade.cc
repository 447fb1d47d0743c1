#include "workloads/cascade.h"

#include <algorithm>
#include <optional>
#include <tuple>

#include <fmt/format.h>

namespace tetris::workloads {
namespace {

using u64 = std::uint64_t;

// Cut into bands of whole rows with all channels on every core that has a part.
bool in_row_bands(const WorkItem& item) {
  if (item.kind == ItemKind::global_pool || item.by_channels || item.matrix_operand) return false;
  bool any = false;
  for (const CoreRegion& r : item.regions) {
    if (r.empty()) continue;
    if (r.c0 != 0 || r.c1 != item.out.shape.c) return false;
    any = true;
  }
  return any;
}

bool own(const Placement& p) {
  return !p.reshaped && p.ring_rows == 0 && p.storage == p.shape && p.origin == Extent{0, 0, 0, 0};
}

// Input `i` reads a band of rows for a band of output rows: a window or the same rows.
bool reads_rows(const WorkItem& item, std::size_t i) {
  if (item.kind == ItemKind::conv) return i == 0;
  const InputMap& m = item.maps[i];
  if (m.full_axis || m.from || m.shift || m.wrap_rows || m.synapses || item.reduce_chunks != 1) return false;
  return m.window || (m.in.n == item.out.shape.n && m.in.h == item.out.shape.h && m.in.w == item.out.shape.w);
}

struct Reader {
  std::uint32_t step;
  std::size_t item, input;
};

// The longest chain a segment may span: longer chains only grow the windows of their first
// steps, and the search is quadratic in it.
constexpr std::uint32_t kMaxSegmentSteps = 12;

// A step a segment may hold: one item cut into row bands of all channels.
bool banded(const WorkPlan& work, std::uint32_t s) {
  return s < work.items.size() && work.items[s].size() == 1 && in_row_bands(work.items[s][0]);
}

// The last step that reads step `s`'s output when a segment may keep it in rings (every reader
// is a later banded step reading it row by row, within a segment's length), else nullopt.
std::optional<std::uint32_t> last_reader_in_rings(const WorkPlan& work, const std::vector<std::vector<Reader>>& readers,
                                                  std::uint32_t s) {
  if (!banded(work, s)) return std::nullopt;
  const WorkItem& item = work.items[s][0];
  if (!own(item.out) || work.tensors[item.out.tensor].kind != TensorKind::activation) return std::nullopt;
  const auto& r = readers[item.out.tensor];
  if (r.empty()) return std::nullopt;
  std::uint32_t last = s;
  for (const Reader& reader : r) {
    if (reader.step <= s || reader.step - s >= kMaxSegmentSteps || !banded(work, reader.step)) return std::nullopt;
    const WorkItem& next = work.items[reader.step][0];
    const Placement& in = next.in[reader.input];
    if (!own(in) || !(in.shape == item.out.shape) || !reads_rows(next, reader.input)) return std::nullopt;
    // `readers` keeps one input per item: an item reading the tensor twice (x * x) would read
    // the ring through one and the whole tensor, now a ring, through the other.
    if (std::count_if(next.in.begin(), next.in.end(), [&](const Placement& p) { return p.tensor == item.out.tensor; }) > 1)
      return std::nullopt;
    last = std::max(last, reader.step);
  }
  return last;
}

// The strip heights tried, in rows of a segment's last output: one row makes the smallest rings
// (the windows of one output row through the chain); taller strips reload the weights and pay
// the latency of a strip's transfers fewer times.
constexpr u64 kStripRows[] = {1, 2, 4, 8};

u64 weight_bytes(const WorkPlan& work, const WorkItem& item) {
  return item.weights ? work.tensors[item.weights->tensor].bytes : 0;
}

// How often a core loads the item's weights when it runs the layer whole: once per strip of
// tiles (ConvTiling::strip); pointwise parameters once per tile.
double layer_weight_loads(const WorkItem& item, u64 rows) {
  if (item.kind != ItemKind::conv) {
    const u64 tile_rows = std::max<u64>(1, item.tiling.rows);
    return static_cast<double>((rows + tile_rows - 1) / tile_rows);
  }
  const ConvTiling& t = item.conv_tiling;
  const u64 tiles = ((rows + t.rows - 1) / t.rows) * ((item.out.shape.w + t.cols - 1) / t.cols);
  return static_cast<double>((tiles + t.strip - 1) / std::max<u64>(1, t.strip));
}

u64 most_rows(const WorkItem& item) {
  u64 rows = 0;
  for (const CoreRegion& r : item.regions) rows = std::max(rows, r.r1 - r.r0);
  return rows;
}

// The weight bytes a core reloads for the strips of segment [first, last] beyond what it loads
// running the steps one after another, when that is at most a tenth of what the steps move
// then (the tiling's own traffic estimate); nullopt when it is more.
std::optional<double> reloaded_weights(const WorkPlan& work, std::uint32_t first, std::uint32_t last,
                                       u64 strip_rows) {
  const WorkItem& tail = work.items[last][0];
  const u64 strips = (most_rows(tail) + strip_rows - 1) / strip_rows;
  double extra = 0, moved = 0;
  for (std::uint32_t s = first; s <= last; ++s) {
    const WorkItem& item = work.items[s][0];
    const double reloads = static_cast<double>(strips) - layer_weight_loads(item, most_rows(item));
    extra += std::max(0.0, reloads) * static_cast<double>(weight_bytes(work, item));
    moved += item.kind == ItemKind::conv ? item.conv_tiling.traffic_bytes
                                         : static_cast<double>(item.out.shape.elements() / std::max<u64>(1, work.cores) *
                                                               work.element_bytes * (item.in.size() + 1));
  }
  if (extra > 0.1 * moved) return std::nullopt;
  return extra;
}

// An item's cycles as choose_partition estimates them: the most of all cores' bytes over the
// bus, one core's serial memory time, and its MACs (pointwise items: their bytes over the bus).
double estimated_cycles(const WorkPlan& work, const WorkItem& item, const CascadeCosts& costs) {
  double active = 0;
  u64 rows = 0, channels = 0;
  for (const CoreRegion& r : item.regions)
    if (!r.empty()) active += 1, rows = std::max(rows, r.r1 - r.r0), channels = std::max(channels, r.c1 - r.c0);
  if (item.kind != ItemKind::conv) {
    const double bytes = static_cast<double>(item.out.shape.elements() * work.element_bytes * (item.in.size() + 1));
    return bytes / costs.bytes_per_cycle;
  }
  const ConvGeometry& g = item.conv;
  const double macs = static_cast<double>(rows * g.out.w * channels * g.in_per_group() * g.kernel_area());
  return std::max({active * item.conv_tiling.bus_bytes / costs.bytes_per_cycle, item.conv_tiling.memory_cycles,
                   macs / costs.macs_per_core_cycle});
}

// Whether segment [first, last] is estimated to take at most costs.slowdown more cycles than its
// steps run one after another with the partition asked for (`layered`): each step cut into rows,
// plus the weights it reloads for every strip (on every core, over the bus) and, per strip and
// step, a weight load, an input load and a store waiting out their latency.
bool fast_enough(const WorkPlan& work, const WorkPlan& layered, std::uint32_t first, std::uint32_t last,
                 u64 strip_rows, double reloaded, const CascadeCosts& costs) {
  const WorkItem& tail = work.items[last][0];
  const double strips = static_cast<double>((most_rows(tail) + strip_rows - 1) / strip_rows);
  double cascade = 0, layer = 0, active = 0;
  for (const CoreRegion& r : tail.regions) active += r.empty() ? 0 : 1;
  for (std::uint32_t s = first; s <= last; ++s) {
    cascade += estimated_cycles(work, work.items[s][0], costs) + strips * 3 * costs.latency_cycles;
    for (const WorkItem& item : layered.items[s]) layer += estimated_cycles(layered, item, costs);
  }
  cascade += (costs.multicast ? 1 : active) * reloaded / costs.bytes_per_cycle;
  return cascade <= (1 + costs.slowdown) * layer;
}

}  // namespace

const CascadeSegment* CascadePlan::starting_at(std::uint32_t step) const {
  if (step >= segment_of_step.size() || segment_of_step[step] < 0) return nullptr;
  const CascadeSegment& s = segments[static_cast<std::size_t>(segment_of_step[step])];
  return s.first == step ? &s : nullptr;
}

void walk_segment(const WorkPlan& work, const CascadeSegment& segment, CoreId core,
                  const std::function<void(const CascadeWork&)>& visit) {
  const std::uint32_t steps = segment.last - segment.first + 1;
  const WorkItem& tail = work.items[segment.last][0];
  const CoreRegion& region = tail.regions[core];
  if (region.empty()) return;
  const u64 height = tail.out.shape.h;
  std::vector<std::pair<u64, u64>> need(steps);
  std::vector<u64> done(steps);
  for (u64 n = region.r0 / height; n * height < region.r1; ++n) {
    const u64 h0 = std::max(region.r0, n * height) - n * height, h1 = std::min(region.r1, (n + 1) * height) - n * height;
    std::fill(done.begin(), done.end(), 0);
    for (u64 a = h0; a < h1; a += segment.strip_rows) {
      need[steps - 1] = {a, std::min(h1, a + segment.strip_rows)};
      // Each earlier step: the rows its readers' pieces read (the hull over its readers).
      for (std::uint32_t j = steps - 1; j-- > 0;) need[j] = {0, 0};
      for (std::uint32_t r = steps; r-- > 1;) {
        if (need[r].first >= need[r].second) continue;
        const WorkItem& reader = work.items[segment.first + r][0];
        const Extent& e = reader.out.shape;
        for (const auto& [input, producer] : segment.ring_inputs[r]) {
          const Box in = footprint(reader, input, {n, n + 1, need[r].first, need[r].second, 0, e.w, 0, e.c});
          auto& range = need[producer];
          range = range.first < range.second ? std::pair{std::min(range.first, in.h0), std::max(range.second, in.h1)}
                                             : std::pair{in.h0, in.h1};
        }
      }
      for (std::uint32_t j = 0; j < steps; ++j) {
        const u64 lo = std::max(need[j].first, done[j]), hi = need[j].second;
        if (lo < hi) visit({segment.first + j, n, lo, hi});
        done[j] = std::max(done[j], hi);
      }
    }
  }
}

std::vector<std::uint64_t> ring_rows(const WorkPlan& work, const CascadeSegment& segment, CoreId core) {
  // When a step computes a piece, the ring it reads holds every row from the lowest that piece
  // reads to the highest computed so far (rows are computed in order); older rows are dead, as
  // their readers ran before in program order.
  const std::uint32_t inner = segment.last - segment.first;
  std::vector<u64> rows(inner, 0), computed(inner, 0);
  walk_segment(work, segment, core, [&](const CascadeWork& w) {
    const std::uint32_t j = w.step - segment.first;
    const WorkItem& item = work.items[w.step][0];
    const Extent& e = item.out.shape;
    for (const auto& [input, producer] : segment.ring_inputs[j]) {
      const Box in = footprint(item, input, {w.n, w.n + 1, w.lo, w.hi, 0, e.w, 0, e.c});
      rows[producer] = std::max(rows[producer], computed[producer] - std::min(computed[producer], in.h0));
    }
    if (j < inner) {
      computed[j] = w.hi;
      rows[j] = std::max(rows[j], w.hi - w.lo);
    }
  });
  return rows;
}

std::vector<CoreRegion> walked_regions(const WorkPlan& work, const CascadeSegment& segment, CoreId core) {
  std::vector<CoreRegion> regions(segment.last - segment.first + 1);
  walk_segment(work, segment, core, [&](const CascadeWork& w) {
    const WorkItem& item = work.items[w.step][0];
    const u64 r0 = w.n * item.out.shape.h + w.lo, r1 = w.n * item.out.shape.h + w.hi;
    CoreRegion& region = regions[w.step - segment.first];
    if (region.empty()) {
      const bool last = w.step == segment.last;
      region = {r0, r1, last ? item.regions[core].c0 : 0, last ? item.regions[core].c1 : item.out.shape.c};
    } else {
      region.r0 = std::min(region.r0, r0), region.r1 = std::max(region.r1, r1);
    }
  });
  return regions;
}

std::vector<TensorId> touched_tensors(const WorkPlan& work, const CascadePlan& cascades) {
  std::vector<TensorId> touched;
  for (const CascadeSegment& segment : cascades.segments) {
    touched.push_back(work.items[segment.last][0].out.tensor);
    for (std::uint32_t s = segment.first; s <= segment.last; ++s)
      for (const Placement& in : work.items[s][0].in)
        if (work.tensors[in.tensor].kind != TensorKind::weight) touched.push_back(in.tensor);
    for (const auto& rings : segment.rings)
      for (const Placement& ring : rings)
        if (ring.ring_rows > 0) touched.push_back(ring.tensor);
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  return touched;
}

namespace {

// A candidate segment's cost: the bytes it keeps live at its peak (what it reads from outside,
// its output and every core's rings) and the weight bytes it reloads over running its steps one by one.
struct SegmentCost {
  double live = 0, extra = 0;
  u64 strip_rows = 1;
};

// The bytes of the activations steps [first, last] read that none of them writes.
double outside_bytes(const WorkPlan& work, std::uint32_t first, std::uint32_t last) {
  std::vector<TensorId> seen;
  double bytes = 0;
  for (std::uint32_t s = first; s <= last; ++s)
    for (const Placement& p : work.items[s][0].in) {
      if (work.tensors[p.tensor].kind == TensorKind::weight || std::find(seen.begin(), seen.end(), p.tensor) != seen.end())
        continue;
      bool inner = false;
      for (std::uint32_t t = first; t < s; ++t) inner = inner || work.items[t][0].out.tensor == p.tensor;
      if (inner) continue;
      seen.push_back(p.tensor);
      bytes += static_cast<double>(work.tensors[p.tensor].bytes);
    }
  return bytes;
}

CascadeSegment make_segment(const WorkPlan& work, const std::vector<std::vector<Reader>>& readers, std::uint32_t first,
                            std::uint32_t last, u64 strip_rows) {
  CascadeSegment segment;
  segment.first = first, segment.last = last, segment.strip_rows = strip_rows;
  segment.ring_inputs.resize(last - first + 1);
  for (std::uint32_t s = first; s < last; ++s)
    for (const Reader& r : readers[work.items[s][0].out.tensor])
      segment.ring_inputs[r.step - first].push_back({static_cast<std::uint32_t>(r.input), s - first});
  for (auto& inputs : segment.ring_inputs) std::sort(inputs.begin(), inputs.end());
  return segment;
}

}  // namespace

CascadeCosts CascadeCosts::of(const MachineConfig& config) {
  const TileBudget budget = TileBudget::of(config);
  return {budget.bytes_per_cycle, budget.latency_cycles,
          static_cast<double>(std::max<std::uint64_t>(1, config.core.pe_count * config.core.macs_per_pe_per_cycle)),
          0.10, config.multicasts()};
}

CascadePlan plan_cascades(WorkPlan& work, const CascadeCosts& costs, const WorkPlan* layered) {
  if (!layered) layered = &work;
  CascadePlan plan;
  const auto steps = static_cast<std::uint32_t>(work.items.size());
  plan.segment_of_step.assign(steps, -1);
  work.joins_next.assign(steps, false);
  std::vector<std::vector<Reader>> readers(work.tensors.size());
  for (std::uint32_t s = 0; s < steps; ++s)
    for (std::size_t i = 0; i < work.items[s].size(); ++i)
      for (std::size_t k = 0; k < work.items[s][i].in.size(); ++k) {
        auto& r = readers[work.items[s][i].in[k].tensor];
        if (r.empty() || r.back().step != s || r.back().item != i) r.push_back({s, i, k});
      }
  std::vector<std::optional<std::uint32_t>> last_reader(steps);
  for (std::uint32_t s = 0; s < steps; ++s) last_reader[s] = last_reader_in_rings(work, readers, s);
  const auto cost_of = [&](std::uint32_t first, std::uint32_t last) -> std::optional<SegmentCost> {
    // Every inner step's output must be read inside the segment only: it lives in rings.
    for (std::uint32_t s = first; s < last; ++s)
      if (!last_reader[s] || *last_reader[s] > last) return std::nullopt;
    const double ends = outside_bytes(work, first, last) +
                         static_cast<double>(work.tensors[work.items[last][0].out.tensor].bytes);
    if (first == last) return SegmentCost{ends, 0, 1};
    // Of the strip heights that keep the segment affordable and fast enough, the one with the
    // smallest rings (then the fewest reloads).
    std::optional<SegmentCost> best;
    for (const u64 strip : kStripRows) {
      const std::optional<double> extra = reloaded_weights(work, first, last, strip);
      if (!extra || !fast_enough(work, *layered, first, last, strip, *extra, costs)) continue;
      SegmentCost cost{ends, *extra, strip};
      const CascadeSegment segment = make_segment(work, readers, first, last, strip);
      for (CoreId core = 0; core < work.cores; ++core) {
        const std::vector<u64> rows = ring_rows(work, segment, core);
        for (std::uint32_t j = 0; j < rows.size(); ++j) {
          const Extent& e = work.items[first + j][0].out.shape;
          cost.live += static_cast<double>(rows[j] * e.w * e.c * work.element_bytes);
        }
      }
      if (!best || cost.live < best->live || (cost.live == best->live && cost.extra < best->extra)) best = cost;
    }
    return best;
  };
  std::vector<CascadeSegment> chosen;
  for (std::uint32_t a = 0; a < steps;) {
    std::uint32_t b = a;
    while (last_reader[b] && banded(work, b + 1)) ++b;
    if (b == a) {
      ++a;
      continue;
    }
    // Chain [a, b]: split it into segments that make the smallest peak (the most live bytes of a
    // segment), then the smallest area (live bytes times steps, summed over the segments: a chain
    // of many residual blocks has one peak, and below it every split would tie), then the fewest
    // reloaded weight bytes. Each prefix keeps only its best split by that rank, so the area is
    // a heuristic: a prefix with a lower peak but a larger area wins even where a later segment
    // sets the peak. Exact (a second pass minimising the area under the peak found) was tried:
    // ResNet-50 / 4 cores' bound fell from 1.90 to 1.83 MiB, its Tetris plan rose from 2.54 to
    // 2.68 MiB, the other zoo cells but one unchanged.
    const std::uint32_t length = b - a + 1;
    struct Best {
      double peak = 0, area = 0, extra = 0;
      std::uint32_t from = 0;  // the segment ending here starts at a + from
      u64 strip_rows = 1;      // and has strips of this height
      bool set = false;
    };
    std::vector<Best> best(length + 1);
    best[0].set = true;
    for (std::uint32_t i = 1; i <= length; ++i)
      for (std::uint32_t f = i > kMaxSegmentSteps ? i - kMaxSegmentSteps : 0; f < i; ++f) {
        if (!best[f].set) continue;
        const auto cost = cost_of(a + f, a + i - 1);
        if (!cost) continue;
        const double peak = std::max(best[f].peak, cost->live), extra = best[f].extra + cost->extra;
        const double area = best[f].area + cost->live * (i - f);
        Best& b_i = best[i];
        if (!b_i.set || std::tie(peak, area, extra) < std::tie(b_i.peak, b_i.area, b_i.extra))
          b_i = {peak, area, extra, f, cost->strip_rows, true};
      }
    for (std::uint32_t i = length; i > 0; i = best[i].from)
      if (best[i].from + 1 < i) chosen.push_back(make_segment(work, readers, a + best[i].from, a + i - 1, best[i].strip_rows));
    a = b + 1;
  }
  std::sort(chosen.begin(), chosen.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  for (CascadeSegment& segment : chosen) {
    const std::uint32_t first = segment.first, last = segment.last;
    segment.rings.resize(last - first);
    std::vector<std::vector<u64>> rows(work.cores);
    for (CoreId core = 0; core < work.cores; ++core) rows[core] = ring_rows(work, segment, core);
    for (std::uint32_t s = first; s < last; ++s) {
      const WorkItem& item = work.items[s][0];
      const TensorId original = item.out.tensor;
      const std::string name = work.tensors[original].name;
      bool reused = false;
      for (CoreId core = 0; core < work.cores; ++core) {
        const u64 r = rows[core][s - first];
        if (r == 0) {
          segment.rings[s - first].push_back({});
          continue;
        }
        TensorId id = original;
        if (reused) {
          work.tensors.push_back(work.tensors[original]);
          id = static_cast<TensorId>(work.tensors.size() - 1);
        }
        reused = true;
        work.tensors[id].name = fmt::format("{}@core{}", name, core);
        work.tensors[id].bytes = r * item.out.shape.w * item.out.shape.c * work.element_bytes;
        segment.rings[s - first].push_back(Placement::ring(id, item.out.shape, r));
      }
      work.joins_next[s] = true;
    }
    for (std::uint32_t s = first; s <= last; ++s) plan.segment_of_step[s] = static_cast<std::int32_t>(plan.segments.size());
    plan.segments.push_back(std::move(segment));
  }
  return plan;
}

}  // namespace tetris::workloads
