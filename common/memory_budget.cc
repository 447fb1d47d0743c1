#include "common/memory_budget.h"

#include <unistd.h>

#include <array>
#include <cctype>
#include <utility>

#include <fmt/format.h>

namespace tetris {

std::uint64_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page) : 0;
}

std::uint64_t default_memory_budget() {
  const std::uint64_t physical = physical_memory_bytes();
  return physical ? physical / 2 : std::uint64_t{8} << 30;
}

MemoryBudget memory_budget(std::uint64_t max_memory_bytes) {
  const std::uint64_t bytes = max_memory_bytes ? max_memory_bytes : default_memory_budget();
  return {bytes, fmt::format("--max-memory {}{}", describe_bytes(bytes),
                             max_memory_bytes ? "" : " (half of this machine's memory)")};
}

std::optional<std::uint64_t> parse_byte_size(std::string_view text) {
  std::size_t i = 0;
  std::uint64_t value = 0;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
    const std::uint64_t digit = static_cast<std::uint64_t>(text[i] - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  if (i == 0) return std::nullopt;
  std::string unit(text.substr(i));
  if (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 16> kUnits{{
      {"", 1}, {"B", 1}, {"K", 1ull << 10}, {"KiB", 1ull << 10}, {"KB", 1000}, {"M", 1ull << 20},
      {"MiB", 1ull << 20}, {"MB", 1000000}, {"G", 1ull << 30}, {"GiB", 1ull << 30}, {"GB", 1000000000},
      {"T", 1ull << 40}, {"TiB", 1ull << 40}, {"TB", 1000000000000}, {"k", 1ull << 10}, {"m", 1ull << 20}}};
  for (const auto& [name, factor] : kUnits)
    if (unit == name) {
      if (value > UINT64_MAX / factor) return std::nullopt;
      return value * factor;
    }
  return std::nullopt;
}

std::string describe_bytes(std::uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  if (bytes < (1ull << 20)) return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024.0);
  if (bytes < (1ull << 30)) return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20));
  return fmt::format("{:.2f} GiB", static_cast<double>(bytes) / (1ull << 30));
}

}  // namespace tetris
