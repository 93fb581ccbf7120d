// A Connection to one SQLite file (SQLiteCpp underneath).
//
// Read-write connections put the file in WAL mode (readers never block the
// writer, which is what lets the owner run sqlite3 against a live shop) with
// foreign keys on; read-only ones keep a small page cache each.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>

#include "store/connection.h"

namespace shopd::store {

class SqliteConnection final : public Connection {
 public:
  enum class Mode { ReadWrite, ReadOnly };
  // ReadWrite creates a missing database file, owner-only (core/files.h), and
  // throws std::runtime_error naming the file when it can only be read (a
  // read-only file, folder or mount). SQLite errors throw SQLite::Exception.
  SqliteConnection(const std::filesystem::path& path, Mode mode, int busy_timeout_ms,
                   const std::string& synchronous = "normal");

  Dialect dialect() const override { return Dialect::Sqlite; }
  void exec(const char* sql) override;
  void rewrite_header() override;
  std::optional<std::string> integrity_check() override;

  // For what only SQLite has (the online backup API, multi-statement scripts).
  SQLite::Database& raw() { return db_; }

 protected:
  Statement& prepare(std::string_view sql) override;
  void begin_read() override { exec("BEGIN"); }

 private:
  SQLite::Database db_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

// Memory SQLite holds in this process (page caches, statements), for /metrics.
int64_t sqlite_memory_used();

}  // namespace shopd::store
