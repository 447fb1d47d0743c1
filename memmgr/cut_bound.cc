#include "memmgr/cut_bound.h"

#include <algorithm>
#include <deque>
#include <limits>
#include <stdexcept>

// Boost.Graph's iterators trip g++ 12's -Wmaybe-uninitialized inside its own headers.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/boykov_kolmogorov_max_flow.hpp>

namespace tetris::memmgr {
namespace {

using Traits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
using Graph = boost::adjacency_list<
    boost::vecS, boost::vecS, boost::directedS,
    boost::property<boost::vertex_index_t, long,
                    boost::property<boost::vertex_color_t, boost::default_color_type,
                                    boost::property<boost::vertex_distance_t, long,
                                                    boost::property<boost::vertex_predecessor_t, Traits::edge_descriptor>>>>,
    boost::property<boost::edge_capacity_t, std::int64_t,
                    boost::property<boost::edge_residual_capacity_t, std::int64_t,
                                    boost::property<boost::edge_reverse_t, Traits::edge_descriptor>>>>;

}  // namespace

std::optional<CutBound> max_live_bytes_over_cuts(const HappensBefore& hb, std::span<const CutPiece> pieces) {
  const std::uint32_t cores = hb.cores();
  if (hb.total_instructions() > kMaxCutBoundInstructions) return std::nullopt;
  // Weight of putting an instruction in the cut: + the pieces it writes, - the pieces whose
  // chosen access it is. Pieces written before the start add their size whatever the cut.
  std::vector<std::vector<std::int64_t>> weight(cores);
  std::vector<std::vector<bool>> key(cores);  // instructions that become nodes of the graph
  for (CoreId c = 0; c < cores; ++c) {
    weight[c].assign(hb.stream_length(c), 0);
    key[c].assign(hb.stream_length(c), false);
  }
  std::int64_t constant = 0;
  std::vector<bool> usable(pieces.size(), false);
  for (std::size_t p = 0; p < pieces.size(); ++p) {
    const CutPiece& piece = pieces[p];
    if (piece.write && piece.until && !hb.before(*piece.write, *piece.until)) continue;
    if (!piece.write && !piece.until) continue;  // alive at every cut: no instruction decides it
    usable[p] = true;
    const auto size = static_cast<std::int64_t>(piece.size);
    if (piece.write) {
      weight[piece.write->core][piece.write->index] += size;
      key[piece.write->core][piece.write->index] = true;
    } else {
      constant += size;
    }
    if (piece.until) {
      weight[piece.until->core][piece.until->index] -= size;
      key[piece.until->core][piece.until->index] = true;
    }
  }
  // Closure arcs: x in the cut needs each instruction that happens before it. Program order, and
  // on each core the instructions where its knowledge of another core grows, which need the last
  // instruction of that core they now know.
  struct Arc {
    InstructionRef from, to;
  };
  std::vector<Arc> arcs;
  for (CoreId c = 0; c < cores; ++c)
    for (std::uint32_t i = 0; i < hb.stream_length(c); ++i)
      for (CoreId d = 0; d < cores; ++d) {
        if (d == c) continue;
        const std::uint32_t k = hb.known({c, i}, d);
        if (k == 0 || (i > 0 && hb.known({c, i - 1}, d) == k)) continue;
        arcs.push_back({{c, i}, {d, k - 1}});
        key[c][i] = true;
        key[d][k - 1] = true;
      }
  // Only key instructions become nodes: a cut that ends between two of them weighs and needs
  // what one ending at the earlier one does.
  std::vector<std::vector<std::uint32_t>> node(cores);
  long nodes = 2;  // 0: source, 1: sink
  for (CoreId c = 0; c < cores; ++c) {
    node[c].assign(hb.stream_length(c), 0);
    for (std::uint32_t i = 0; i < hb.stream_length(c); ++i)
      if (key[c][i]) node[c][i] = static_cast<std::uint32_t>(nodes++);
  }
  std::int64_t positive = constant;
  for (CoreId c = 0; c < cores; ++c)
    for (const std::int64_t w : weight[c]) positive += std::max<std::int64_t>(w, 0);
  const std::int64_t infinite = positive + 1;

  Graph graph(static_cast<std::size_t>(nodes));
  auto capacity = boost::get(boost::edge_capacity, graph);
  auto reverse = boost::get(boost::edge_reverse, graph);
  auto residual = boost::get(boost::edge_residual_capacity, graph);
  const auto add_arc = [&](long from, long to, std::int64_t cap) {
    const auto forward = boost::add_edge(from, to, graph).first;
    const auto backward = boost::add_edge(to, from, graph).first;
    capacity[forward] = cap;
    capacity[backward] = 0;
    reverse[forward] = backward;
    reverse[backward] = forward;
  };
  for (CoreId c = 0; c < cores; ++c) {
    long previous = -1;
    for (std::uint32_t i = 0; i < hb.stream_length(c); ++i) {
      if (!key[c][i]) continue;
      const long v = node[c][i];
      if (previous >= 0) add_arc(v, previous, infinite);
      if (weight[c][i] > 0) add_arc(0, v, weight[c][i]);
      if (weight[c][i] < 0) add_arc(v, 1, -weight[c][i]);
      previous = v;
    }
  }
  for (const Arc& a : arcs) add_arc(node[a.from.core][a.from.index], node[a.to.core][a.to.index], infinite);
  const std::int64_t flow = boost::boykov_kolmogorov_max_flow(graph, 0, 1);

  // The heaviest closed set: what the source still reaches in the residual graph.
  std::vector<bool> in_cut(static_cast<std::size_t>(nodes), false);
  std::deque<long> queue = {0};
  in_cut[0] = true;
  while (!queue.empty()) {
    const long v = queue.front();
    queue.pop_front();
    for (auto [e, end] = boost::out_edges(v, graph); e != end; ++e) {
      const long w = static_cast<long>(boost::target(*e, graph));
      if (!in_cut[static_cast<std::size_t>(w)] && residual[*e] > 0) {
        in_cut[static_cast<std::size_t>(w)] = true;
        queue.push_back(w);
      }
    }
  }
  CutBound bound;
  bound.cut.assign(cores, 0);
  for (CoreId c = 0; c < cores; ++c)
    for (std::uint32_t i = 0; i < hb.stream_length(c); ++i)
      if (key[c][i] && in_cut[node[c][i]]) bound.cut[c] = i + 1;
  const auto executed = [&](const InstructionRef& x) { return x.index < bound.cut[x.core]; };
  std::int64_t counted = 0;
  for (std::size_t p = 0; p < pieces.size(); ++p) {
    if (!usable[p]) continue;
    const CutPiece& piece = pieces[p];
    if ((!piece.write || executed(*piece.write)) && (!piece.until || !executed(*piece.until))) {
      bound.counted.push_back(static_cast<std::uint32_t>(p));
      counted += static_cast<std::int64_t>(piece.size);
    }
  }
  // Max-flow min-cut: the heaviest closure weighs what the positive weights bring minus the cut.
  if (counted != positive - flow) throw std::logic_error("cut bound: the witness does not weigh what the flow says");
  bound.bytes = static_cast<Offset>(counted);
  return bound;
}

}  // namespace tetris::memmgr

#pragma GCC diagnostic pop
