// Writing files that a crash must never leave half-written (invoices, .eml).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace shopd {

// Writes to a temporary file in the same folder and renames it over `path`:
// readers see the old file or the whole new one, even after a crash of the
// process. With `sync` the file and the folder are also fsynced, so the file
// survives a power cut too: callers pass it when the database itself is
// synchronous = "full", since a file more durable than the database record
// that names it buys nothing. Creates the folder if needed; files are 0640
// (they hold customer data). Throws std::runtime_error with the path on failure.
void write_file_atomically(const std::filesystem::path& path, const std::string& bytes, bool sync = true);

// The whole file, or nullopt if it cannot be read.
std::optional<std::string> read_file(const std::filesystem::path& path);

}  // namespace shopd
