// The lowered multi-core program ("trace"): tensors, layers and one instruction stream per core.
// It is the interface between lowering, liveness analysis and simulation; docs/trace-format.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tetris {

using TensorId = std::uint32_t;
using LayerId = std::uint32_t;
using CoreId = std::uint32_t;
using BarrierId = std::uint32_t;
using SemaphoreId = std::uint32_t;
using MulticastId = std::uint32_t;

// Version 2 adds tensor blocks, version 3 multicast loads; a trace is written in the lowest
// version that holds it, and every version reads.
inline constexpr std::uint32_t kTraceFormatVersion = 3;
// Tensors above 256 TiB are refused so that sums over a program's tensors cannot wrap.
inline constexpr std::uint64_t kMaxTensorBytes = std::uint64_t{1} << 48;

enum class TensorKind : std::uint8_t { input, weight, activation, output };
// Whether a tensor kind takes part in the activation plan: weights live in their own region.
inline bool is_planned(TensorKind kind) { return kind != TensorKind::weight; }
enum class OnChipBuffer : std::uint8_t { nbin, nbout, sb };
// What a compute instruction does decides which unit runs it and at what rate:
// conv and fc count multiply-accumulates, the others count element operations.
enum class ComputeOp : std::uint8_t { conv, fc, pool, eltwise, activation, norm, softmax, copy };

struct Layer {
  std::string name;
  std::string op;  // the model's operator, e.g. "conv" or "add"; informational
};

struct Tensor {
  std::string name;
  std::uint64_t bytes = 0;
  TensorKind kind = TensorKind::activation;
  std::optional<LayerId> producer;
  // Where its blocks after the first begin, ascending, each in (0, bytes); empty: one block.
  // Every instruction carries its own address, so a tensor need not be contiguous: each block is
  // placed at its own base, and no single load or store may cross a block boundary.
  std::vector<std::uint64_t> block_starts;

  std::uint32_t block_count() const { return static_cast<std::uint32_t>(block_starts.size() + 1); }
  std::uint32_t block_of(std::uint64_t offset) const;  // the block holding byte `offset`
  std::uint64_t block_begin(std::uint32_t block) const { return block == 0 ? 0 : block_starts[block - 1]; }
  std::uint64_t block_end(std::uint32_t block) const {
    return block + 1 < block_count() ? block_starts[block] : bytes;
  }
};

// How plans and problems name a block: the tensor's name when it is one block, else
// "NAME#K" (trace names have no '#', so this never clashes with a tensor's name).
std::string block_name(const Tensor& tensor, std::uint32_t block);

// Bytes [offset + r*row_stride, offset + r*row_stride + row_bytes) of a tensor for r < rows.
// A 1-D range has rows == 1 and row_stride == row_bytes.
struct TensorRange {
  std::uint64_t offset = 0;
  std::uint64_t row_bytes = 0;
  std::uint64_t row_stride = 0;
  std::uint64_t rows = 1;

  static TensorRange contiguous(std::uint64_t offset, std::uint64_t bytes) {
    return {offset, bytes, bytes, 1};
  }
  bool is_2d() const { return rows != 1 || row_stride != row_bytes; }
  std::uint64_t bytes() const { return row_bytes * rows; }
  // One past the last byte touched; callers have validated that this does not overflow.
  std::uint64_t end() const { return offset + (rows - 1) * row_stride + row_bytes; }
};

// A load with a multicast id is one of a group: every participant (Program::multicasts) runs a
// load of that id exactly once, of the same range into the same buffer. A memory that multicasts
// (memory.multicast: on) reads the range once, when the last participant issues, and delivers it
// to all together; elsewhere each is a plain load. It orders nothing: liveness treats each copy
// as the plain load it also is.
struct Load {
  TensorId tensor;
  TensorRange range;
  OnChipBuffer buffer;
  std::optional<MulticastId> multicast = std::nullopt;
};
struct Store {
  TensorId tensor;
  TensorRange range;
  OnChipBuffer buffer;
};
struct Compute {
  ComputeOp op;
  std::uint64_t work;  // MACs for conv/fc, element operations otherwise
};
// Every participant executes a barrier id exactly once; participants are in Program::barriers.
struct Barrier {
  BarrierId id;
};
// Semaphores are point to point: one core signals, one other core waits, and the k-th wait
// consumes the k-th signal.
struct Signal {
  SemaphoreId semaphore;
};
struct Wait {
  SemaphoreId semaphore;
};

using Operation = std::variant<Load, Store, Compute, Barrier, Signal, Wait>;

struct Instruction {
  Operation op;
  std::optional<LayerId> layer;
  std::uint32_t line = 0;  // line in the trace file it was read from; 0 when built in memory
};

struct Program {
  std::uint32_t cores = 1;
  std::uint64_t element_bytes = 2;
  std::vector<Layer> layers;
  std::vector<Tensor> tensors;
  std::map<BarrierId, std::vector<CoreId>> barriers;  // participants, ascending
  std::map<MulticastId, std::vector<CoreId>> multicasts;  // participants, ascending
  std::vector<std::vector<Instruction>> streams;      // one per core
};

// The same program with every block of a tensor as a tensor of its own, named block_name(),
// and each access moved into its block. What places, simulates and checks bytes by tensor sees
// blocks this way; a program without blocks comes back unchanged.
Program blocks_as_tensors(const Program& program);
bool has_blocks(const Program& program);  // some tensor has more than one block

std::string_view to_string(TensorKind kind);
std::string_view to_string(OnChipBuffer buffer);
std::string_view to_string(ComputeOp op);
std::optional<TensorKind> parse_tensor_kind(std::string_view text);
std::optional<OnChipBuffer> parse_on_chip_buffer(std::string_view text);
std::optional<ComputeOp> parse_compute_op(std::string_view text);

// Checks everything a trace promises beyond its syntax: tensor references and ranges, core
// indices, barrier and multicast participation, semaphore pairing (every wait has its signal). Throws
// InputError naming `file` and the instruction's line.
void validate_program(const Program& program, std::string_view file);

}  // namespace tetris
