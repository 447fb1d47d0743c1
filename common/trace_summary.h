// What `tetris trace check` reports about a valid trace: per-core instruction counts and
// tensor totals by kind. Plain data; formatting as a table or JSON is separate.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/trace.h"

namespace tetris {

struct CoreSummary {
  std::uint64_t loads = 0, stores = 0, computes = 0, barriers = 0, signals = 0, waits = 0;
  std::uint64_t bytes_loaded = 0, bytes_stored = 0, macs = 0, element_ops = 0;
  std::uint64_t instructions() const { return loads + stores + computes + barriers + signals + waits; }
};

struct TensorTotals {
  std::uint64_t count = 0;
  std::uint64_t bytes = 0;
};

struct TraceSummary {
  std::uint32_t cores = 0;
  std::uint64_t element_bytes = 0;
  std::uint64_t layers = 0;
  std::vector<CoreSummary> per_core;
  std::array<TensorTotals, 4> per_kind{};  // indexed by TensorKind
  TensorTotals all_tensors;
  std::uint64_t multicast_groups = 0, multicast_loads = 0;  // loads counts every copy
};

TraceSummary summarize(const Program& program);
std::string format_summary_table(const TraceSummary& summary);
std::string summary_to_json(const TraceSummary& summary);

}  // namespace tetris
