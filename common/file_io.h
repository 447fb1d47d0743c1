// Whole-file reads and crash-safe writes shared by every reader and writer of user files.
// Writes go to a temporary name and are renamed into place, so an interrupted run leaves no half file.
#pragma once

#include <string>
#include <string_view>

namespace tetris {

// Throws InputError naming the path when it cannot be read.
std::string read_text_file(const std::string& path);

// A new name or a regular file (also through a symlink, which stays) is replaced atomically, and
// temporaries that dead runs left beside it are removed; a device, FIFO or socket is written
// through; "-" is standard output. Throws InputError naming the path when it cannot be written.
void write_text_file_atomically(const std::string& path, std::string_view contents);

// Refuses, before any work is done, an output path that cannot be written: a folder, or a name in
// a folder that does not exist. Throws InputError naming `option` and the path.
void check_output_file(const std::string& path, std::string_view option);

// Makes Ctrl-C (SIGINT), SIGTERM, SIGHUP, SIGQUIT and SIGPIPE stop the program at once, first
// removing the temporary file of a write in progress: an interrupted run leaves finished files
// and no partial one. Exit code 128 + the signal number, as a shell reports it.
void stop_cleanly_on_interrupt();

}  // namespace tetris
