#include "store/sqlite/connection.h"

#include <sqlite3.h>

#include <stdexcept>

#include "core/files.h"

namespace shopd::store {

namespace {

int open_flags(SqliteConnection::Mode mode) {
  // NOMUTEX: a connection is never shared between threads at the same time.
  const int base = SQLITE_OPEN_NOMUTEX;
  return mode == SqliteConnection::Mode::ReadOnly ? base | SQLITE_OPEN_READONLY
                                                  : base | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
}

// The file to open. A database shopd creates is private (core/files.h):
// SQLite would make it 0644 less the umask, and its -wal and -shm copy the
// database file's mode, so it is created here first.
std::string prepared_path(const std::filesystem::path& path, SqliteConnection::Mode mode) {
  if (mode == SqliteConnection::Mode::ReadWrite && !std::filesystem::exists(path)) create_private_file(path);
  return path.string();
}

class SqliteStatement final : public Statement {
 public:
  SqliteStatement(SQLite::Database& db, const std::string& sql) : st_(db, sql) {}

  void bind_null(int i) override { st_.bind(i); }
  void bind_int64(int i, int64_t v) override { st_.bind(i, v); }
  void bind_double(int i, double v) override { st_.bind(i, v); }
  void bind_text(int i, std::string_view v) override { st_.bind(i, std::string(v)); }
  void bind_blob(int i, std::string_view v) override {
    // No copy: the caller keeps the bytes alive until the statement ran (Blob's contract).
    st_.bindNoCopy(i, static_cast<const void*>(v.data()), static_cast<int>(v.size()));
  }

  bool step() override { return st_.executeStep(); }
  int64_t exec() override {
    while (st_.executeStep()) {
    }
    return st_.getChanges();
  }

  bool is_null(int col) const override { return st_.isColumnNull(col); }
  std::string text(int col) const override {
    auto c = st_.getColumn(col);
    return c.isNull() ? std::string() : c.getString();
  }
  int64_t int64(int col) const override { return st_.getColumn(col).getInt64(); }
  double real(int col) const override { return st_.getColumn(col).getDouble(); }
  std::string blob(int col) const override {
    auto c = st_.getColumn(col);
    return std::string(static_cast<const char*>(c.getBlob()), static_cast<size_t>(c.getBytes()));
  }
  void reset() override {
    st_.tryReset();
    st_.clearBindings();
  }

 private:
  mutable SQLite::Statement st_;
};

}  // namespace

SqliteConnection::SqliteConnection(const std::filesystem::path& path, Mode mode, int busy_timeout_ms,
                                   const std::string& synchronous)
    : db_(prepared_path(path, mode), open_flags(mode), busy_timeout_ms) {
  // SQLite opens a file it may not write read-only without a word; every
  // write would then fail later, one order at a time.
  if (mode == Mode::ReadWrite && sqlite3_db_readonly(db_.getHandle(), "main") == 1)
    throw std::runtime_error("the database file " + path.string() +
                             " is read-only: make it writable for the user shopd runs as");
  db_.exec("PRAGMA foreign_keys = ON");
  // Readers look up a few rows each; the OS caches the file for all of them.
  // A small page cache per reader keeps a dozen pooled connections from
  // holding tens of MB on a small VPS.
  if (mode == Mode::ReadOnly) db_.exec("PRAGMA cache_size = -256");
  if (mode == Mode::ReadWrite) {
    // WAL: readers never block the writer and the writer never blocks readers,
    // which is what lets the owner run sqlite3 against a live shop.
    db_.exec("PRAGMA journal_mode = WAL");
    db_.exec(synchronous == "full" ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
  }
}

Statement& SqliteConnection::prepare(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    auto st = std::make_unique<SqliteStatement>(db_, std::string(sql));
    it = cache_.emplace(std::string(sql), std::move(st)).first;
  }
  return *it->second;
}

void SqliteConnection::exec(const char* sql) { db_.exec(sql); }

void SqliteConnection::rewrite_header() {
  auto q = query("PRAGMA user_version");
  q.step();
  // PRAGMA takes no bound parameters; the version is the file's own integer.
  db_.exec("PRAGMA user_version = " + std::to_string(q.int64(0)));
}

std::optional<std::string> SqliteConnection::integrity_check() {
  auto q = query("PRAGMA integrity_check");
  q.step();
  return q.text(0);
}

int64_t sqlite_memory_used() { return sqlite3_memory_used(); }

}  // namespace shopd::store
