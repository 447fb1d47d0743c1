// How much memory an analysis may plan to hold: half of physical memory unless --max-memory says
// otherwise. Work whose estimate exceeds it stops early (exit 2) instead of meeting the OOM killer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tetris {

// Physical memory of this machine in bytes (sysconf), or 0 when it cannot be read.
std::uint64_t physical_memory_bytes();
// Half of physical memory (the rest is the system's, the simulator's and a browser's), or 8 GiB
// when physical memory cannot be read.
std::uint64_t default_memory_budget();
// The budget --max-memory gave (0: the default) and how messages name it: "--max-memory 1.0 GiB",
// with " (half of this machine's memory)" when it is the default.
struct MemoryBudget {
  std::uint64_t bytes = 0;
  std::string named;
};
MemoryBudget memory_budget(std::uint64_t max_memory_bytes);
// What a budget counts for the process itself before any work: code, libraries and the SystemC
// kernel (13 MiB measured), and room for what grows between two checks of an estimate (a
// tensor's accesses and segments; a vector that moves holds its old and new copies at once).
inline constexpr std::uint64_t kProcessMemoryBytes = std::uint64_t{32} << 20;

// "123", "64KiB", "512MiB", "2GiB", "1TiB" (also KB/MB/GB as powers of 1000, K/M/G as 1024s), in
// bytes; nullopt when the text is not a size or does not fit 64 bits.
std::optional<std::uint64_t> parse_byte_size(std::string_view text);
// Bytes for a message: "512 MiB", "1.5 GiB", "900 B".
std::string describe_bytes(std::uint64_t bytes);

}  // namespace tetris
