// main() of benchmarks that link libsystemc (through tetris_pipeline or tetris_sim): libsystemc
// owns main(), so the benchmarks run from sc_main.
#include <systemc>

#include <benchmark/benchmark.h>

#include <cstdlib>

namespace {
// Before libsystemc's main() prints its banner (static initialisation runs first).
const bool kSystemcBannerOff = ::setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 1) == 0;
}  // namespace

int sc_main(int argc, char* argv[]) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
