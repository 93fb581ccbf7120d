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

}  // namespace shopd::cli
