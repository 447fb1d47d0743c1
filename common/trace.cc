#include "common/trace.h"

#include <algorithm>
#include <array>
#include <functional>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "common/checked_math.h"
#include "common/input_error.h"

namespace tetris {
namespace {

constexpr std::array<std::string_view, 4> kTensorKinds = {"input", "weight", "activation", "output"};
constexpr std::array<std::string_view, 3> kBuffers = {"nbin", "nbout", "sb"};
constexpr std::array<std::string_view, 8> kComputeOps = {"conv", "fc", "pool", "eltwise",
                                                         "activation", "norm", "softmax", "copy"};

template <typename Enum, std::size_t N>
std::optional<Enum> parse_enum(const std::array<std::string_view, N>& names, std::string_view text) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == text) return static_cast<Enum>(i);
  return std::nullopt;
}

// Names the instruction in an error: the trace line when it came from a file.
struct Locator {
  std::string_view file;
  SourceLocation at(const Instruction& instruction) const {
    return {std::string(file), instruction.line, 0};
  }
  std::string context(const Instruction& instruction, CoreId core, std::size_t index) const {
    return instruction.line ? fmt::format("core {}: ", core)
                            : fmt::format("core {}, instruction {}: ", core, index);
  }
};

void check_range(const Program& program, TensorId tensor, const TensorRange& range,
                 std::string_view what, const std::string& context, const SourceLocation& where) {
  if (tensor >= program.tensors.size())
    throw InputError(where, fmt::format("{}{} of unknown tensor {} (the trace has {} tensors)",
                                        context, what, tensor, program.tensors.size()));
  const Tensor& t = program.tensors[tensor];
  if (range.row_bytes == 0 || range.rows == 0)
    throw InputError(where, fmt::format("{}{} of tensor {} '{}' moves no bytes", context, what,
                                        tensor, t.name));
  if (range.rows > 1 && range.row_stride < range.row_bytes)
    throw InputError(where, fmt::format("{}{} of tensor {} '{}': row stride {} is less than the "
                                        "row size {}, so rows overlap",
                                        context, what, tensor, t.name, range.row_stride,
                                        range.row_bytes));
  const auto span = checked_mul(range.rows - 1, range.row_stride);
  const auto last = span ? checked_add(range.offset, *span) : std::nullopt;
  const auto end = last ? checked_add(*last, range.row_bytes) : std::nullopt;
  if (!end || *end > t.bytes)
    throw InputError(where, fmt::format("{}{} of tensor {} '{}' reaches byte {}, past its end ({} bytes)",
                                        context, what, tensor, t.name,
                                        end ? fmt::to_string(*end) : std::string("2^64 or more"),
                                        t.bytes));
  const std::uint32_t block = t.block_of(range.offset);
  if (t.block_of(*end - 1) != block)
    throw InputError(where, fmt::format("{}{} of bytes [{}, {}) of tensor {} '{}' crosses its block boundary at {}",
                                        context, what, range.offset, *end, tensor, t.name, t.block_end(block)));
}

}  // namespace

std::uint32_t Tensor::block_of(std::uint64_t offset) const {
  return static_cast<std::uint32_t>(std::upper_bound(block_starts.begin(), block_starts.end(), offset) -
                                    block_starts.begin());
}

std::string block_name(const Tensor& tensor, std::uint32_t block) {
  return tensor.block_count() == 1 ? tensor.name : fmt::format("{}#{}", tensor.name, block);
}

bool has_blocks(const Program& program) {
  return std::any_of(program.tensors.begin(), program.tensors.end(),
                     [](const Tensor& t) { return !t.block_starts.empty(); });
}

Program blocks_as_tensors(const Program& program) {
  Program out;
  out.cores = program.cores;
  out.element_bytes = program.element_bytes;
  out.layers = program.layers;
  out.barriers = program.barriers;
  out.multicasts = program.multicasts;
  std::vector<TensorId> first(program.tensors.size());  // the new id of each tensor's block 0
  for (TensorId t = 0; t < program.tensors.size(); ++t) {
    const Tensor& tensor = program.tensors[t];
    first[t] = static_cast<TensorId>(out.tensors.size());
    for (std::uint32_t k = 0; k < tensor.block_count(); ++k)
      out.tensors.push_back({block_name(tensor, k), tensor.block_end(k) - tensor.block_begin(k), tensor.kind,
                             tensor.producer, {}});
  }
  out.streams = program.streams;
  for (auto& stream : out.streams)
    for (Instruction& instruction : stream)
      std::visit(
          [&](auto& op) {
            if constexpr (requires { op.range; }) {
              const Tensor& tensor = program.tensors[op.tensor];
              const std::uint32_t block = tensor.block_of(op.range.offset);
              op.range.offset -= tensor.block_begin(block);
              op.tensor = first[op.tensor] + block;
            }
          },
          instruction.op);
  return out;
}

std::string_view to_string(TensorKind kind) { return kTensorKinds[static_cast<std::size_t>(kind)]; }
std::string_view to_string(OnChipBuffer buffer) { return kBuffers[static_cast<std::size_t>(buffer)]; }
std::string_view to_string(ComputeOp op) { return kComputeOps[static_cast<std::size_t>(op)]; }
std::optional<TensorKind> parse_tensor_kind(std::string_view text) {
  return parse_enum<TensorKind>(kTensorKinds, text);
}
std::optional<OnChipBuffer> parse_on_chip_buffer(std::string_view text) {
  return parse_enum<OnChipBuffer>(kBuffers, text);
}
std::optional<ComputeOp> parse_compute_op(std::string_view text) {
  return parse_enum<ComputeOp>(kComputeOps, text);
}

void validate_program(const Program& program, std::string_view file) {
  const SourceLocation whole{std::string(file)};
  if (program.cores == 0) throw InputError(whole, "the trace has no cores");
  if (program.streams.size() != program.cores)
    throw InputError(whole, fmt::format("the trace declares {} cores but has {} streams",
                                        program.cores, program.streams.size()));
  if (program.element_bytes == 0) throw InputError(whole, "element_bytes must be at least 1");

  // Names are single tokens of the text format; '-' means "no layer" there.
  auto check_name = [&](std::string_view what, const std::string& name) {
    if (name.empty() || name == "-" || name.find_first_of(" \t\r\n#") != std::string::npos)
      throw InputError(whole, fmt::format("{} name '{}' must be one word without spaces or '#'", what, name));
  };
  std::unordered_set<std::string_view> names;
  for (const Layer& layer : program.layers) {
    check_name("layer", layer.name);
    check_name("layer op", layer.op);
  }
  for (const Tensor& tensor : program.tensors) check_name("tensor", tensor.name);
  for (const Layer& layer : program.layers)
    if (!names.insert(layer.name).second)
      throw InputError(whole, fmt::format("duplicate layer name '{}'", layer.name));
  names.clear();
  for (std::size_t i = 0; i < program.tensors.size(); ++i) {
    const Tensor& t = program.tensors[i];
    if (!names.insert(t.name).second)
      throw InputError(whole, fmt::format("duplicate tensor name '{}'", t.name));
    if (t.bytes == 0) throw InputError(whole, fmt::format("tensor {} '{}' has 0 bytes", i, t.name));
    if (t.bytes > kMaxTensorBytes)
      throw InputError(whole, fmt::format("tensor {} '{}' has {} bytes, more than the 2^48 this tool "
                                          "accepts", i, t.name, t.bytes));
    if (t.producer && *t.producer >= program.layers.size())
      throw InputError(whole, fmt::format("tensor {} '{}' names producer layer {}, but there are {} layers",
                                          i, t.name, *t.producer, program.layers.size()));
  }
  for (const auto& [id, participants] : program.barriers) {
    if (participants.empty())
      throw InputError(whole, fmt::format("barrier {} has no participants", id));
    for (CoreId core : participants)
      if (core >= program.cores)
        throw InputError(whole, fmt::format("barrier {} names core {}, but there are {} cores", id,
                                            core, program.cores));
  }

  for (const auto& [id, participants] : program.barriers)
    if (std::adjacent_find(participants.begin(), participants.end(), std::greater_equal<>()) != participants.end())
      throw InputError(whole, fmt::format("barrier {} must list its participants once each, ascending", id));
  for (const auto& [id, participants] : program.multicasts) {
    if (std::adjacent_find(participants.begin(), participants.end(), std::greater_equal<>()) != participants.end())
      throw InputError(whole, fmt::format("multicast {} must list its participants once each, ascending", id));
    if (participants.size() < 2)
      throw InputError(whole, fmt::format("multicast {} has {} participant{}; a multicast needs at least 2", id,
                                          participants.size(), participants.size() == 1 ? "" : "s"));
    for (CoreId core : participants)
      if (core >= program.cores)
        throw InputError(whole, fmt::format("multicast {} names core {}, but there are {} cores", id, core,
                                            program.cores));
  }

  struct SemaphoreUse {
    std::optional<CoreId> signaller, waiter;
    std::uint64_t signals = 0;
    std::vector<const Instruction*> waits;
    std::vector<std::size_t> wait_index;
  };
  std::map<SemaphoreId, SemaphoreUse> semaphores;
  std::map<std::pair<BarrierId, CoreId>, std::uint32_t> barrier_visits;
  std::map<std::pair<MulticastId, CoreId>, std::uint32_t> multicast_visits;
  std::map<MulticastId, const Load*> multicast_first;  // the load every other copy must equal
  const Locator locate{file};

  for (CoreId core = 0; core < program.cores; ++core) {
    const auto& stream = program.streams[core];
    for (std::size_t i = 0; i < stream.size(); ++i) {
      const Instruction& instruction = stream[i];
      const SourceLocation where = locate.at(instruction);
      const std::string context = locate.context(instruction, core, i);
      if (instruction.layer && *instruction.layer >= program.layers.size())
        throw InputError(where, fmt::format("{}unknown layer {}", context, *instruction.layer));
      std::visit(
          [&](const auto& op) {
            using T = std::decay_t<decltype(op)>;
            if constexpr (std::is_same_v<T, Load>) {
              check_range(program, op.tensor, op.range, "load", context, where);
              if (op.multicast) {
                const MulticastId id = *op.multicast;
                const auto it = program.multicasts.find(id);
                if (it == program.multicasts.end())
                  throw InputError(where, fmt::format("{}multicast {} has no participant list", context, id));
                if (std::find(it->second.begin(), it->second.end(), core) == it->second.end())
                  throw InputError(where, fmt::format("{}core {} is not a participant of multicast {}", context,
                                                      core, id));
                if (++multicast_visits[{id, core}] > 1)
                  throw InputError(where, fmt::format("{}multicast {} is loaded twice by core {}", context, id, core));
                const auto [first, inserted] = multicast_first.try_emplace(id, &op);
                const Load& a = *first->second;
                if (!inserted && (a.tensor != op.tensor || a.range.offset != op.range.offset ||
                                  a.range.row_bytes != op.range.row_bytes || a.range.row_stride != op.range.row_stride ||
                                  a.range.rows != op.range.rows || a.buffer != op.buffer))
                  throw InputError(where, fmt::format("{}multicast {} loads another range or buffer than its first "
                                                      "participant: every copy of a multicast is the same load",
                                                      context, id));
              }
            } else if constexpr (std::is_same_v<T, Store>) {
              check_range(program, op.tensor, op.range, "store", context, where);
            } else if constexpr (std::is_same_v<T, Barrier>) {
              const auto it = program.barriers.find(op.id);
              if (it == program.barriers.end())
                throw InputError(where, fmt::format("{}barrier {} has no participant list", context, op.id));
              const auto& p = it->second;
              if (std::find(p.begin(), p.end(), core) == p.end())
                throw InputError(where, fmt::format("{}core {} is not a participant of barrier {}",
                                                    context, core, op.id));
              if (++barrier_visits[{op.id, core}] > 1)
                throw InputError(where, fmt::format("{}barrier {} is executed twice by core {}",
                                                    context, op.id, core));
            } else if constexpr (std::is_same_v<T, Signal> || std::is_same_v<T, Wait>) {
              SemaphoreUse& use = semaphores[op.semaphore];
              auto& side = std::is_same_v<T, Signal> ? use.signaller : use.waiter;
              if (side && *side != core)
                throw InputError(where,
                                 fmt::format("{}semaphore {} is {} by cores {} and {}; a semaphore "
                                             "is point to point (one signalling core, one waiting core)",
                                             context, op.semaphore,
                                             std::is_same_v<T, Signal> ? "signalled" : "waited on",
                                             *side, core));
              side = core;
              if (use.signaller && use.waiter && *use.signaller == *use.waiter)
                throw InputError(where, fmt::format("{}semaphore {} is signalled and waited on by the "
                                                    "same core {}",
                                                    context, op.semaphore, core));
              if constexpr (std::is_same_v<T, Signal>) {
                ++use.signals;
              } else {
                use.waits.push_back(&instruction);
                use.wait_index.push_back(i);
              }
            }
          },
          instruction.op);
    }
  }
  for (const auto& [id, participants] : program.barriers)
    for (CoreId core : participants)
      if (!barrier_visits.count({id, core}))
        throw InputError(whole, fmt::format("core {} never reaches barrier {}, which names it as a "
                                            "participant",
                                            core, id));
  for (const auto& [id, participants] : program.multicasts)
    for (CoreId core : participants)
      if (!multicast_visits.count({id, core}))
        throw InputError(whole, fmt::format("core {} never loads multicast {}, which names it as a participant",
                                            core, id));
  for (const auto& [id, use] : semaphores) {
    if (use.waits.size() <= use.signals) continue;
    const Instruction& unmatched = *use.waits[use.signals];
    const CoreId core = *use.waiter;
    throw InputError(locate.at(unmatched),
                     fmt::format("{}wait #{} on semaphore {} has no matching signal anywhere "
                                 "(the trace signals it {} time{})",
                                 locate.context(unmatched, core, use.wait_index[use.signals]),
                                 use.signals + 1, id, use.signals, use.signals == 1 ? "" : "s"));
  }
}

}  // namespace tetris
