// What every command does first.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "config/config.h"
#include "store/store.h"

namespace shopd::cli {

// Loads the config, or prints the one-line error ("config error: retry.base_seconds: ...") and returns nullopt.
std::optional<Config> load_config_or_report(const std::filesystem::path& path,
                                            Secrets secrets = Secrets::Required);

store::StoreOptions store_options(const Config& config);

// One server per SQLite file: a second `shopd serve` would steal the first
// one's running jobs at startup, and `copy-db` must not copy a shop that is
// still taking orders. Returns the lock's file descriptor (held until it is
// closed or the process exits), or -1 when another process holds it. Throws
// std::runtime_error, naming the lock file and what to do, when it cannot
// be opened.
int lock_database(const std::filesystem::path& db_path);

// Why `shopd serve` could not write the database at `path`, as one sentence
// that names the file or folder and says what to do; nullopt when it can. A
// missing folder is fine if it can be created. Asks access(2), which also
// answers for read-only mounts and immutable files when shopd runs as root.
std::optional<std::string> database_write_problem(const std::filesystem::path& path);

}  // namespace shopd::cli
