// Whole-file reads and crash-safe writes shared by every reader and writer of user files.
// Writes go to a temporary name and are renamed into place, so an interrupted run leaves no half file.
#pragma once

#include <string>
#include <string_view>

namespace tetris {

// Throws InputError naming the path when it cannot be read.
std::string read_text_file(const std::string& path);

// Throws std::runtime_error naming the path when it cannot be written.
void write_text_file_atomically(const std::string& path, std::string_view contents);

}  // namespace tetris
