// What every command does first.
#pragma once

#include <filesystem>
#include <optional>

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
// closed or the process exits), or -1 when another process holds it.
int lock_database(const std::filesystem::path& db_path);

}  // namespace shopd::cli
