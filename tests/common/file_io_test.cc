// Output files: atomic replacement for regular files and new names, written through for special
// files, symlinks kept, and temporaries of dead runs swept.
#include "common/file_io.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "common/input_error.h"

namespace tetris {
namespace {

namespace fs = std::filesystem;

class FileIo : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(testing::TempDir()) / ("tetris_file_io_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(FileIo, ReplacesARegularFileAndLeavesNothingBeside) {
  const std::string path = (dir_ / "a.txt").string();
  write_text_file_atomically(path, "first");
  write_text_file_atomically(path, "second");
  EXPECT_EQ(read_text_file(path), "second");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(FileIo, WritesTheFileASymlinkNamesAndKeepsTheLink) {
  const fs::path target = dir_ / "target.txt";
  write_text_file_atomically(target.string(), "old");
  fs::create_symlink(target, dir_ / "link.txt");
  write_text_file_atomically((dir_ / "link.txt").string(), "new");
  EXPECT_TRUE(fs::is_symlink(dir_ / "link.txt"));
  EXPECT_EQ(read_text_file(target.string()), "new");
}

TEST_F(FileIo, WritesThroughAFifoToItsReader) {
  const fs::path fifo = dir_ / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] { received = read_text_file(fifo.string()); });
  write_text_file_atomically(fifo.string(), "through the pipe");
  reader.join();
  EXPECT_EQ(received, "through the pipe");
  EXPECT_TRUE(fs::is_fifo(fifo)) << "the FIFO was replaced by a regular file";
}

TEST_F(FileIo, AFullDeviceIsAnErrorNamingItAndStaysADevice) {
  if (!fs::is_character_file("/dev/full")) GTEST_SKIP() << "no /dev/full";
  try {
    write_text_file_atomically("/dev/full", std::string(1 << 16, 'x'));
    FAIL() << "writing to /dev/full succeeded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/full"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::is_character_file("/dev/full"));
}

TEST_F(FileIo, ADirectoryIsRefused) {
  EXPECT_THROW(write_text_file_atomically(dir_.string(), "x"), InputError);
  EXPECT_TRUE(fs::is_directory(dir_));
}

TEST_F(FileIo, SweepsTemporariesOfDeadRunsButNotOfLiveOnes) {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);  // `child` is now a PID with no process
  const fs::path dead = dir_ / ("out.trace.tmp." + std::to_string(child));
  const fs::path live = dir_ / ("out.trace.tmp." + std::to_string(::getppid()));
  const fs::path other = dir_ / ("other.trace.tmp." + std::to_string(child));
  for (const auto& p : {dead, live, other}) std::ofstream(p) << "partial";
  write_text_file_atomically((dir_ / "out.trace").string(), "whole");
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(live)) << "a live process's temporary was removed";
  EXPECT_TRUE(fs::exists(other)) << "another file's temporary was removed";
}

}  // namespace
}  // namespace tetris
