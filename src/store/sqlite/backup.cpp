#include "store/sqlite/backup.h"

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/Database.h>

#include <stdexcept>

#include "core/files.h"
#include "store/sqlite/connection.h"

namespace shopd::store {

namespace {

void copy_pages(const std::filesystem::path& source, const std::string& target_path, int busy_timeout_ms) {
  SqliteConnection from(source, SqliteConnection::Mode::ReadOnly, busy_timeout_ms);
  create_private_file(target_path);  // the copy holds the whole shop: owner-only, like the database
  SQLite::Database target(target_path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  SQLite::Backup copy(target, from.raw());
  copy.executeStep(-1);  // all pages in one step: one snapshot
}

// Makes the copy one self-contained file and returns its order count.
int64_t verify_copy(const std::string& path, int busy_timeout_ms) {
  SqliteConnection check(path, SqliteConnection::Mode::ReadWrite, busy_timeout_ms);
  check.exec("PRAGMA journal_mode = DELETE");
  const std::string verdict = check.integrity_check().value_or("not checked");
  if (verdict != "ok") throw std::runtime_error("the copy failed its integrity check: " + verdict);
  auto count = check.query("SELECT count(*) FROM orders");
  count.step();
  return count.int64(0);
}

}  // namespace

BackupResult backup_database(const std::filesystem::path& source, const std::filesystem::path& destination,
                             int busy_timeout_ms) {
  if (!std::filesystem::exists(source)) throw std::runtime_error("no database at " + source.string());
  const auto tmp = destination.string() + ".partial";
  std::filesystem::remove(tmp);
  try {
    copy_pages(source, tmp, busy_timeout_ms);
    const int64_t orders = verify_copy(tmp, busy_timeout_ms);
    std::filesystem::rename(tmp, destination);
    return BackupResult{std::filesystem::file_size(destination), orders};
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw;
  }
}

}  // namespace shopd::store
