#include "cli/common.h"

#include <iostream>

#include "core/error.h"
#include "core/redact.h"

namespace shopd::cli {

namespace {

// Whatever a provider echoes back, these values never reach a log, the
// database or a message (core/redact.h).
void register_config_secrets(const Config& config) {
  for (const auto& secret : {config.payment.secret_key, config.email.password, admin_token(config),
                             config.alerts.webhook_url})
    register_secret(secret);
}

}  // namespace

std::optional<Config> load_config_or_report(const std::filesystem::path& path, Secrets secrets) {
  try {
    auto config = load_config(path, process_env, secrets);
    register_config_secrets(config);
    return config;
  } catch (const ConfigError& e) {
    std::cerr << "shopd: config error in " << path.string() << ": " << e.what() << "\n";
    return std::nullopt;
  }
}

store::StoreOptions store_options(const Config& config) {
  store::StoreOptions o;
  o.path = config.database.path;
  o.url = config.database.url;
  o.synchronous = config.database.synchronous;
  o.busy_timeout_ms = config.database.busy_timeout_ms;
  o.max_queued_writes = static_cast<size_t>(config.server.max_queued_writes);
  // Reads take a few hundred microseconds; a request that finds every reader
  // busy waits for one rather than opening more connections to the file.
  o.readers = 16;
  return o;
}

}  // namespace shopd::cli
