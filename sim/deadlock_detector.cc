#include "sim/deadlock_detector.h"

#include <fmt/format.h>

namespace tetris::sim {
namespace {

std::string describe_instruction(const Instruction& instruction) {
  return std::visit(
      [](const auto& op) -> std::string {
        using T = std::decay_t<decltype(op)>;
        if constexpr (std::is_same_v<T, Barrier>) return fmt::format("barrier {}", op.id);
        if constexpr (std::is_same_v<T, Signal>) return fmt::format("signal {}", op.semaphore);
        if constexpr (std::is_same_v<T, Wait>) return fmt::format("wait {}", op.semaphore);
        if constexpr (std::is_same_v<T, Compute>) return fmt::format("compute {} {}", to_string(op.op), op.work);
        if constexpr (std::is_same_v<T, Load>)
          return op.multicast ? fmt::format("mload {} of tensor {}", *op.multicast, op.tensor)
                              : fmt::format("load {}", op.tensor);
        if constexpr (std::is_same_v<T, Store>) return fmt::format("store {}", op.tensor);
      },
      instruction.op);
}

}  // namespace

std::string DeadlockReport::describe() const {
  std::string out;
  for (const BlockedCore& b : cores)
    out += fmt::format("core {} blocked at {}instruction {} ({}): {}\n", b.core,
                       b.line ? fmt::format("line {}, ", b.line) : "", b.index, b.instruction, b.waiting_for);
  return out;
}

std::optional<DeadlockReport> DeadlockDetector::check(const Program& program,
                                                      std::span<const CoreModel* const> cores, const SyncUnit& sync,
                                                      Cycles now) {
  DeadlockReport report;
  report.cycle = now;
  for (const CoreModel* core : cores) {
    if (core->finished()) continue;
    BlockedCore b;
    b.core = core->id();
    b.index = core->position();
    const auto& stream = program.streams[b.core];
    if (b.index < stream.size()) {
      const Instruction& instruction = stream[b.index];
      b.line = instruction.line;
      b.instruction = describe_instruction(instruction);
      if (const auto* barrier = std::get_if<Barrier>(&instruction.op)) {
        b.waiting_for = sync.describe_barrier(barrier->id);
      } else if (const auto* wait = std::get_if<Wait>(&instruction.op)) {
        b.waiting_for = sync.describe_semaphore(wait->semaphore);
      } else if (const auto* load = std::get_if<Load>(&instruction.op); load && load->multicast) {
        std::string cores;
        for (const CoreId c : program.multicasts.at(*load->multicast)) cores += fmt::format("{}{}", cores.empty() ? "" : ",", c);
        b.waiting_for = fmt::format("multicast {} is read once all of cores {} issue it", *load->multicast, cores);
      } else {
        b.waiting_for = "an earlier instruction that cannot complete";
      }
    }
    report.cores.push_back(std::move(b));
  }
  if (report.cores.empty()) return std::nullopt;
  return report;
}

}  // namespace tetris::sim
