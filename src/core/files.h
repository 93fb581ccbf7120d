// Files shopd writes: private to the owner, and never half-written.
//
// Files and folders shopd creates hold customer data (SPEC 5), so their mode
// is set explicitly, whatever the process umask:
//   files 0600 and folders 0700;
//   in a folder whose setgid bit is set, files 0640 and folders 2750. That is
//   how an owner shares the data with a group of their choosing
//   (`chgrp backup /var/lib/shopd && chmod 2750 /var/lib/shopd`): Linux gives
//   new entries of a setgid folder its group, and shopd lets that group read.
// shopd never changes the mode of a file or folder it finds. SQLite creates a
// database's -wal and -shm files with the database file's mode.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

namespace shopd {

// The mode for a new file in `folder`: 0640 when the folder is setgid, else 0600.
mode_t private_file_mode(const std::filesystem::path& folder);

// Creates `folder` and its missing parents as private folders (0700, or 2750
// under a setgid folder). Throws std::runtime_error naming the folder.
void create_private_directories(const std::filesystem::path& folder);

// Opens `path` with `flags` (O_RDWR, O_WRONLY | O_TRUNC ...), creating it with
// private_file_mode when it does not exist yet. Returns the descriptor, or -1
// with errno set. Its folder must exist.
int open_private_file(const std::filesystem::path& path, int flags);

// Creates `path` as an empty private file unless it exists. Throws std::runtime_error.
void create_private_file(const std::filesystem::path& path);

// Writes to a temporary file in the same folder and renames it over `path`:
// readers see the old file or the whole new one, even after a crash of the
// process. With `sync` the file and the folder are also fsynced, so the file
// survives a power cut too: callers pass it when the database itself is
// synchronous = "full", since a file more durable than the database record
// that names it buys nothing. Creates the folder if needed; the file and the
// folder are private (above). Throws std::runtime_error with the path on failure.
void write_file_atomically(const std::filesystem::path& path, const std::string& bytes, bool sync = true);

// The whole file, or nullopt if it cannot be read.
std::optional<std::string> read_file(const std::filesystem::path& path);

}  // namespace shopd
