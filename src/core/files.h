// Writing files that a crash must never leave half-written (invoices, .eml).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace shopd {

// Writes to a temporary file in the same folder, fsyncs it, renames it over
// `path` and fsyncs the folder: readers see the old file or the whole new
// one. Creates the folder if needed; files are 0640 (they hold customer
// data). Throws std::runtime_error with the path on failure.
void write_file_atomically(const std::filesystem::path& path, const std::string& bytes);

// The whole file, or nullopt if it cannot be read.
std::optional<std::string> read_file(const std::filesystem::path& path);

}  // namespace shopd
