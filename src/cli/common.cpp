#include "cli/common.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <stdexcept>

#include "core/error.h"
#include "core/files.h"
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

int lock_database(const std::filesystem::path& db_path) {
  const auto lock_path = db_path.string() + ".lock";
  int fd = -1;
  std::string why;
  try {
    if (db_path.has_parent_path()) create_private_directories(db_path.parent_path());
    fd = open_private_file(lock_path, O_RDWR);
    if (fd < 0) why = std::strerror(errno);
  } catch (const std::exception& e) {
    why = e.what();
  }
  if (fd < 0)
    throw std::runtime_error("cannot open the lock file " + lock_path + " (" + why +
                             "): make the database folder writable for the user shopd runs as");
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::optional<std::string> database_write_problem(const std::filesystem::path& path) {
  const std::filesystem::path folder = path.has_parent_path() ? path.parent_path() : ".";
  std::filesystem::path existing = folder;
  while (existing.has_parent_path() && !std::filesystem::exists(existing)) existing = existing.parent_path();
  const std::string what_to_do =
      ": make it writable for the user shopd runs as (its mode and owner, chattr -i, or a read-write mount)";
  if (::access(existing.c_str(), W_OK | X_OK) != 0) {
    const std::string why = std::strerror(errno);
    if (existing != folder)
      return "cannot create the database folder " + folder.string() + ": " + existing.string() +
             " is not writable (" + why + ")" + what_to_do;
    return "cannot write the database folder " + folder.string() + " (" + why + "), where shopd keeps " +
           path.filename().string() + " and its -wal, -shm and .lock files" + what_to_do;
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string file = path.string() + suffix;
    if (std::filesystem::exists(file) && ::access(file.c_str(), W_OK) != 0)
      return "cannot write the database file " + file + " (" + std::strerror(errno) + ")" + what_to_do;
  }
  return std::nullopt;
}

}  // namespace shopd::cli
