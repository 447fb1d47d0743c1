// Shared body of the libFuzzer targets: a parser may refuse any input, but only with InputError;
// any other exception, a crash, a hang or a sanitizer report is a bug the fuzzer keeps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/input_error.h"

#define TETRIS_FUZZ_TARGET(body)                                                     \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { \
    const std::string_view input(reinterpret_cast<const char*>(data), size);         \
    try {                                                                            \
      body;                                                                          \
    } catch (const tetris::InputError&) {                                            \
    }                                                                                \
    return 0;                                                                        \
  }
