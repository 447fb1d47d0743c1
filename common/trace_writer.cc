#include <iterator>

#include <fmt/format.h>

#include "common/file_io.h"
#include "common/trace_io.h"

#include <algorithm>

namespace tetris {
namespace {

std::string participant_list(const std::vector<CoreId>& cores, std::uint32_t core_count) {
  if (cores.size() == core_count) return "all";
  // Runs of consecutive cores are written as ranges ("0-3,8"): 16-core barriers stay short.
  std::string out;
  for (std::size_t i = 0; i < cores.size();) {
    std::size_t j = i;
    while (j + 1 < cores.size() && cores[j + 1] == cores[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += j == i ? fmt::to_string(cores[i]) : fmt::format("{}-{}", cores[i], cores[j]);
    i = j + 1;
  }
  return out;
}

// `prefix`: what comes between the verb and the tensor (a multicast's id and participants).
template <typename Out>
void write_access(Out out, std::string_view verb, std::string_view prefix, TensorId tensor, const TensorRange& r,
                  OnChipBuffer b) {
  if (r.is_2d())
    fmt::format_to(out, "{}2d {}{} {} {} {} {} {}\n", verb, prefix, tensor, r.offset, r.row_bytes, r.row_stride,
                   r.rows, to_string(b));
  else
    fmt::format_to(out, "{} {}{} {} {} {}\n", verb, prefix, tensor, r.offset, r.row_bytes, to_string(b));
}

}  // namespace

std::string write_trace(const Program& program) {
  fmt::memory_buffer buffer;
  auto out = std::back_inserter(buffer);
  // The lowest version that holds the trace, so older tools read what they can.
  const bool blocks = std::any_of(program.tensors.begin(), program.tensors.end(),
                                  [](const Tensor& t) { return !t.block_starts.empty(); });
  const std::uint32_t version = !program.multicasts.empty() ? 3 : blocks ? 2 : 1;
  fmt::format_to(out, "tetris-trace {}\ncores {}\nelement_bytes {}\n", version, program.cores,
                 program.element_bytes);
  if (!program.layers.empty()) fmt::format_to(out, "\n# layer ID NAME OP\n");
  for (std::size_t i = 0; i < program.layers.size(); ++i)
    fmt::format_to(out, "layer {} {} {}\n", i, program.layers[i].name, program.layers[i].op);
  if (!program.tensors.empty()) fmt::format_to(out, "\n# tensor ID NAME BYTES KIND PRODUCER\n");
  for (std::size_t i = 0; i < program.tensors.size(); ++i) {
    const Tensor& t = program.tensors[i];
    fmt::format_to(out, "tensor {} {} {} {} {}\n", i, t.name, t.bytes, to_string(t.kind),
                   t.producer ? std::string_view(program.layers[*t.producer].name) : std::string_view("-"));
  }
  if (blocks) fmt::format_to(out, "\n# block TENSOR OFFSET: where a tensor's next block begins\n");
  for (std::size_t i = 0; i < program.tensors.size(); ++i)
    for (const std::uint64_t start : program.tensors[i].block_starts) fmt::format_to(out, "block {} {}\n", i, start);
  for (CoreId core = 0; core < program.streams.size(); ++core) {
    fmt::format_to(out, "\ncore {}\n", core);
    std::optional<LayerId> layer;
    for (const Instruction& instruction : program.streams[core]) {
      if (instruction.layer != layer) {
        layer = instruction.layer;
        fmt::format_to(out, "layer {}\n", layer ? std::string_view(program.layers[*layer].name) : "-");
      }
      std::visit(
          [&](const auto& op) {
            using T = std::decay_t<decltype(op)>;
            if constexpr (std::is_same_v<T, Load>) {
              if (op.multicast)
                write_access(out, "mload",
                             fmt::format("{} {} ", *op.multicast,
                                         participant_list(program.multicasts.at(*op.multicast), program.cores)),
                             op.tensor, op.range, op.buffer);
              else
                write_access(out, "load", "", op.tensor, op.range, op.buffer);
            } else if constexpr (std::is_same_v<T, Store>) {
              write_access(out, "store", "", op.tensor, op.range, op.buffer);
            }
            else if constexpr (std::is_same_v<T, Compute>) fmt::format_to(out, "compute {} {}\n", to_string(op.op), op.work);
            else if constexpr (std::is_same_v<T, Barrier>)
              fmt::format_to(out, "barrier {} {}\n", op.id, participant_list(program.barriers.at(op.id), program.cores));
            else if constexpr (std::is_same_v<T, Signal>) fmt::format_to(out, "signal {}\n", op.semaphore);
            else fmt::format_to(out, "wait {}\n", op.semaphore);
          },
          instruction.op);
    }
  }
  return fmt::to_string(buffer);
}

void write_trace_file(const Program& program, const std::string& path) {
  write_text_file_atomically(path, write_trace(program));
}

}  // namespace tetris
