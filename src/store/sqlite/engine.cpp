#include "store/sqlite/engine.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/files.h"
#include "store/sqlite/backend.h"
#include "store/sqlite/backup.h"
#include "store/sqlite/connection.h"

namespace shopd::store {

std::optional<std::string> SqliteEngine::write_problem() const {
  const auto& path = options_.path;
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

ServerLock SqliteEngine::claim_for_one_server() const {
  const auto& path = options_.path;
  const auto lock_path = path.string() + ".lock";
  int fd = -1;
  std::string why;
  try {
    if (path.has_parent_path()) create_private_directories(path.parent_path());
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
    return ServerLock();
  }
  return ServerLock(fd);
}

std::unique_ptr<Connection> SqliteEngine::open_for_inspection() const {
  if (!std::filesystem::exists(options_.path)) return nullptr;
  return std::make_unique<SqliteConnection>(options_.path, SqliteConnection::Mode::ReadOnly, options_.busy_timeout_ms);
}

BackupResult SqliteEngine::backup(const std::filesystem::path& destination) const {
  return backup_database(options_.path, destination, options_.busy_timeout_ms);
}

std::unique_ptr<Backend> SqliteEngine::open() const { return std::make_unique<SqliteBackend>(options_); }

}  // namespace shopd::store
