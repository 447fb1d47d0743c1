// Test oracle, not product code: checks of a lowered program beyond what validate_program promises,
// the properties lowering must guarantee. Each returns nullopt when the program passes,
// or a message naming the first violation (core, instruction, layer, tensor and bytes).
#pragma once

#include <optional>
#include <string>

#include "common/machine_config.h"
#include "common/trace.h"

namespace tetris::test_support {

// Every byte of every activation and output tensor is stored exactly once, and nothing is
// stored to an input or weight tensor.
std::optional<std::string> find_store_error(const Program& program);

// Every load of activation or output bytes reads bytes stored by a store that happens before it
// (program order, barriers, and the k-th signal before the k-th wait; memmgr::HappensBefore).
// A program that can deadlock is reported too.
std::optional<std::string> find_race(const Program& program);

// Every tile fits the core's buffers: the bytes loaded into each buffer since the previous
// compute, and the bytes stored from each buffer since the previous compute, are at most its size.
std::optional<std::string> find_buffer_overflow(const Program& program, const CoreConfig& core);

}  // namespace tetris::test_support
