// The sim tests link libsystemc, which owns main(): this sc_main runs the GoogleTest suite.
// ctest runs each test in its own process (gtest_discover_tests); the simulator also elaborates
// every run in a fresh simulation context, so running the whole binary at once works too.
#include <systemc>

#include <cstdlib>

#include <gtest/gtest.h>

namespace {
// Before libsystemc's main() prints its banner (static initialisation runs first).
const bool kSystemcBannerOff = ::setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 1) == 0;
}  // namespace

int sc_main(int argc, char* argv[]) {
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
