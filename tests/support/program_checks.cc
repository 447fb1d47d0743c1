#include "tests/support/program_checks.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "common/input_error.h"
#include "memmgr/happens_before.h"

namespace tetris::test_support {
namespace {

struct Access {
  CoreId core;
  std::uint32_t index;
};

// One row of a store: bytes [begin, end) written by instruction `by`.
struct Written {
  std::uint64_t begin, end;
  Access by;
};

bool is_checked(TensorKind kind) { return kind == TensorKind::activation || kind == TensorKind::output; }

const TensorRange& range_of(const Instruction& i) {
  if (const auto* l = std::get_if<Load>(&i.op)) return l->range;
  return std::get<Store>(i.op).range;
}

std::string where(const Program& p, Access a) {
  const Instruction& i = p.streams[a.core][a.index];
  std::string layer = i.layer ? fmt::format(" (layer {})", p.layers[*i.layer].name) : std::string();
  return fmt::format("core {} instruction {}{}", a.core, a.index, layer);
}

// Loads and stores of each tensor, in stream order per core.
struct AccessIndex {
  std::vector<std::vector<Access>> loads, stores;  // per tensor

  explicit AccessIndex(const Program& p) : loads(p.tensors.size()), stores(p.tensors.size()) {
    for (CoreId c = 0; c < p.streams.size(); ++c)
      for (std::uint32_t i = 0; i < p.streams[c].size(); ++i) {
        const Operation& op = p.streams[c][i].op;
        if (const auto* l = std::get_if<Load>(&op)) loads[l->tensor].push_back({c, i});
        if (const auto* s = std::get_if<Store>(&op)) stores[s->tensor].push_back({c, i});
      }
  }
};

// The rows of every store of one tensor, sorted by first byte.
std::vector<Written> written_rows(const Program& p, const std::vector<Access>& stores) {
  std::vector<Written> rows;
  for (const Access& a : stores) {
    const TensorRange& r = range_of(p.streams[a.core][a.index]);
    for (std::uint64_t k = 0; k < r.rows; ++k) {
      const std::uint64_t begin = r.offset + k * r.row_stride;
      rows.push_back({begin, begin + r.row_bytes, a});
    }
  }
  std::sort(rows.begin(), rows.end(), [](const Written& a, const Written& b) { return a.begin < b.begin; });
  return rows;
}

}  // namespace

std::optional<std::string> find_store_error(const Program& p) {
  const AccessIndex index(p);
  for (TensorId t = 0; t < p.tensors.size(); ++t) {
    const Tensor& tensor = p.tensors[t];
    if (!is_checked(tensor.kind)) {
      if (!index.stores[t].empty())
        return fmt::format("{} stores to {} tensor '{}'", where(p, index.stores[t].front()), to_string(tensor.kind),
                           tensor.name);
      continue;
    }
    const std::vector<Written> rows = written_rows(p, index.stores[t]);
    std::uint64_t covered = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].begin > covered)
        return fmt::format("bytes [{}, {}) of tensor '{}' are never stored", covered, rows[i].begin, tensor.name);
      if (rows[i].begin < covered)
        return fmt::format("bytes [{}, {}) of tensor '{}' are stored twice: by {} and by {}", rows[i].begin,
                           std::min(covered, rows[i].end), tensor.name, where(p, rows[i - 1].by),
                           where(p, rows[i].by));
      covered = rows[i].end;
    }
    if (covered != tensor.bytes)
      return fmt::format("bytes [{}, {}) of tensor '{}' are never stored", covered, tensor.bytes, tensor.name);
  }
  return std::nullopt;
}

std::optional<std::string> find_race(const Program& p) {
  std::optional<memmgr::HappensBefore> hb;
  try {
    hb = memmgr::HappensBefore::analyze(p, "program");
  } catch (const InputError& e) {
    return e.message();
  }
  const AccessIndex index(p);
  for (TensorId t = 0; t < p.tensors.size(); ++t) {
    if (!is_checked(p.tensors[t].kind) || index.loads[t].empty()) continue;
    const std::vector<Written> rows = written_rows(p, index.stores[t]);
    for (const Access& load : index.loads[t]) {
      const TensorRange& r = range_of(p.streams[load.core][load.index]);
      for (std::uint64_t k = 0; k < r.rows; ++k) {
        const std::uint64_t begin = r.offset + k * r.row_stride, end = begin + r.row_bytes;
        // The last written row starting at or before `begin`, then every row up to `end`.
        auto it = std::upper_bound(rows.begin(), rows.end(), begin,
                                   [](std::uint64_t b, const Written& w) { return b < w.begin; });
        if (it != rows.begin()) --it;
        std::uint64_t covered = begin;
        for (; it != rows.end() && it->begin < end; ++it) {
          if (it->end <= covered) continue;
          if (it->begin > covered) break;
          if (!hb->before({it->by.core, it->by.index}, {load.core, load.index}))
            return fmt::format("race: {} loads bytes [{}, {}) of tensor '{}' that {} stores, and nothing orders "
                               "the store before the load",
                               where(p, load), std::max(begin, it->begin), std::min(end, it->end),
                               p.tensors[t].name, where(p, it->by));
          covered = it->end;
        }
        if (covered < end)
          return fmt::format("{} loads bytes [{}, {}) of tensor '{}' that no instruction stores", where(p, load),
                             covered, end, p.tensors[t].name);
      }
    }
  }
  return std::nullopt;
}

std::optional<std::string> find_buffer_overflow(const Program& p, const CoreConfig& core) {
  const std::array<std::uint64_t, 3> capacity = {core.nbin_bytes, core.nbout_bytes, core.sb_bytes};
  for (CoreId c = 0; c < p.streams.size(); ++c) {
    std::array<std::uint64_t, 3> loaded{}, stored{};
    std::uint32_t since = 0;  // the first instruction after the previous compute
    auto check = [&](std::uint32_t at) -> std::optional<std::string> {
      for (std::size_t b = 0; b < 3; ++b) {
        const auto buffer = to_string(static_cast<OnChipBuffer>(b));
        if (loaded[b] > capacity[b])
          return fmt::format("core {} instructions {}..{} load {} bytes into {}, which holds {}", c, since, at,
                             loaded[b], buffer, capacity[b]);
        if (stored[b] > capacity[b])
          return fmt::format("core {} instructions {}..{} store {} bytes from {}, which holds {}", c, since, at,
                             stored[b], buffer, capacity[b]);
      }
      return std::nullopt;
    };
    const auto& stream = p.streams[c];
    for (std::uint32_t i = 0; i < stream.size(); ++i) {
      const Operation& op = stream[i].op;
      if (const auto* l = std::get_if<Load>(&op)) loaded[static_cast<std::size_t>(l->buffer)] += l->range.bytes();
      if (const auto* s = std::get_if<Store>(&op)) stored[static_cast<std::size_t>(s->buffer)] += s->range.bytes();
      if (std::holds_alternative<Compute>(op)) {
        // The stores before this compute belong to the previous one, the loads to this one.
        if (auto error = check(i)) return error;
        loaded = {}, stored = {};
        since = i + 1;
      }
    }
    if (auto error = check(static_cast<std::uint32_t>(stream.size()))) return error;
  }
  return std::nullopt;
}

}  // namespace tetris::test_support
