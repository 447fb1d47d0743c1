// Lowering: a Model and a MachineConfig become a multi-core Program (the trace), deterministically.
// docs/lowering.md explains every rule; in short:
// - fusion: batch_norm/scale/bias and activations that follow a conv or fully_connected layer
//   fold into it; dropout, flatten and reshape are views of their input's bytes; a concat's
//   operands are written straight into their slot of its output;
// - layout: channels-last (NHWC); each layer's output is partitioned across the cores by rows,
//   by channels or (the default) by a grid of both chosen per layer, and each core's part is cut into tiles whose input, weight and output slices
//   fit NBin, SB and NBout; a tile is loads -> compute -> stores;
// - synchronisation: a barrier after each layer, or signal/wait between exactly the cores whose
//   bytes another reads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/machine_config.h"
#include "common/trace.h"
#include "workloads/blocks.h"
#include "workloads/model.h"

namespace tetris::workloads {

enum class SyncMode : std::uint8_t {
  barrier,  // all cores meet after every layer that computes
  p2p,      // a core waits for exactly the cores whose stores it loads (semaphores)
};

enum class PartitionMode : std::uint8_t {
  rows,      // contiguous bands of output rows (N x H); channel slices too when rows < cores
  channels,  // slices of output channels; every core reads the whole input
  // Per convolution or fully connected layer, the grid of row bands x channel groups (rows and
  // channels are its two ends) with the fewest estimated cycles, weight traffic included
  // (choose_partition); other layers by rows.
  automatic,
};

// How the cores walk the layers: one layer after another, or chains of consecutive layers band by
// band (workloads/cascade.h), so the tensors inside a chain only hold a few rows at a time.
// `automatic` is resolved by pipeline::lower, which simulates the candidates; lower() takes it
// as `cascade`.
enum class Schedule : std::uint8_t { layer, cascade, automatic };

std::string_view to_string(SyncMode mode);
std::string_view to_string(Schedule schedule);
std::optional<Schedule> parse_schedule(std::string_view text);
std::string_view to_string(PartitionMode mode);
std::optional<SyncMode> parse_sync_mode(std::string_view text);
std::optional<PartitionMode> parse_partition_mode(std::string_view text);

struct LoweringOptions;
// "off", "on" or "on+residual", for reports.
std::string_view fusion_label(const LoweringOptions& options);

struct LoweringOptions {
  bool fuse = true;
  SyncMode sync = SyncMode::barrier;
  // Automatic by default: rows load every weight on every core, which made 16 cores slower than 4
  // on every zoo CNN; the per-layer choice moves about half the bytes, for plans at most 11%
  // larger (docs/lowering.md, "Cycles and traffic by partition").
  PartitionMode partition = PartitionMode::automatic;
  // How tensors are cut into independently placed blocks (workloads/blocks.h). Bands by default:
  // smaller plans than whole tensors on 31 of 32 zoo cells, within 5% more cycles on 31 (at most
  // 6.9%, on DRAM; docs/lowering.md).
  BlockMode blocks = BlockMode::band;
  // Convolutions absorb a residual add (and the activation after it) as matmuls do. Off by
  // default: it moves 6-15% fewer bytes on the ResNets, but the residual and the output are then
  // live together with the block's inner result, which raises ResNet-50's live-bytes bound by
  // 13% (docs/lowering.md, "Residual fusion").
  bool fuse_residual = false;
  // Cascades need barrier sync; the layers inside a chain are cut into rows whatever `partition` says.
  Schedule schedule = Schedule::layer;
  // How much slower than its layers run one by one a cascade segment may be estimated to be
  // (0.10: 10%): the trade of cycles for memory (docs/lowering.md, "Cascades").
  double cascade_slowdown = 0.10;
};

// The most instructions a lowered program may have (all cores): about 90 bytes each while it
// is built and analysed, so 2^24 is about 1.5 GB. ResNet-50 on 16 cores has 77 k per sample.
inline constexpr std::uint64_t kMaxTraceInstructions = std::uint64_t{1} << 24;

// Lowers `model` (its batch is the model's; bytes per element are the config's) onto
// `config.cores` cores. The program passes validate_program. Throws InputError naming the layer
// when a layer cannot be tiled into the core's buffers (e.g. one kernel window of one input
// channel is larger than NBin), and naming --batch when the program would have more than
// kMaxTraceInstructions (judged from the first core's stream, before the others are made).
Program lower(const Model& model, const MachineConfig& config, const LoweringOptions& options = {});

struct WorkPlan;
struct CascadePlan;
// The stages after the work items and cascades (sync, streams, barriers, blocks), for lower()
// and for tests that change a cascade plan before the streams are made.
Program emit_program(const Model& model, const WorkPlan& work, const CascadePlan& cascades,
                     const LoweringOptions& options);

}  // namespace tetris::workloads
