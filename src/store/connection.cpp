#include "store/connection.h"

#include <sqlite3.h>

#include <stdexcept>

#include "core/files.h"

namespace shopd::store {

namespace {

int open_flags(Connection::Mode mode) {
  // NOMUTEX: a connection is never shared between threads at the same time.
  const int base = SQLITE_OPEN_NOMUTEX;
  return mode == Connection::Mode::ReadOnly ? base | SQLITE_OPEN_READONLY
                                            : base | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
}

// The file to open. A database shopd creates is private (core/files.h):
// SQLite would make it 0644 less the umask, and its -wal and -shm copy the
// database file's mode, so it is created here first.
std::string prepared_path(const std::filesystem::path& path, Connection::Mode mode) {
  if (mode == Connection::Mode::ReadWrite && !std::filesystem::exists(path)) create_private_file(path);
  return path.string();
}

}  // namespace

Connection::Connection(const std::filesystem::path& path, Mode mode, int busy_timeout_ms,
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

Query Connection::query(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    auto st = std::make_unique<SQLite::Statement>(db_, std::string(sql));
    it = cache_.emplace(std::string(sql), std::move(st)).first;
  }
  return Query(*it->second);
}

void Connection::exec(const char* sql) { db_.exec(sql); }

int64_t Connection::changes() const { return sqlite3_changes64(db_.getHandle()); }

Query::~Query() {
  if (!st_) return;
  st_->tryReset();
  st_->clearBindings();
}

bool Query::step() { return st_->executeStep(); }

int Query::exec() {
  while (st_->executeStep()) {
  }
  return st_->getChanges();
}

std::string Query::text(int col) const {
  auto c = st_->getColumn(col);
  return c.isNull() ? std::string() : c.getString();
}

std::optional<std::string> Query::opt_text(int col) const {
  auto c = st_->getColumn(col);
  if (c.isNull()) return std::nullopt;
  return c.getString();
}

int64_t Query::int64(int col) const { return st_->getColumn(col).getInt64(); }

std::optional<int64_t> Query::opt_int64(int col) const {
  auto c = st_->getColumn(col);
  if (c.isNull()) return std::nullopt;
  return c.getInt64();
}

double Query::real(int col) const { return st_->getColumn(col).getDouble(); }

std::optional<std::string> Query::opt_blob(int col) const {
  auto c = st_->getColumn(col);
  if (c.isNull()) return std::nullopt;
  return std::string(static_cast<const char*>(c.getBlob()), static_cast<size_t>(c.getBytes()));
}

bool Query::is_null(int col) const { return st_->isColumnNull(col); }

void Query::bind_one(std::nullptr_t) { st_->bind(next_++); }
void Query::bind_one(int v) { st_->bind(next_++, v); }
void Query::bind_one(int64_t v) { st_->bind(next_++, v); }
void Query::bind_one(double v) { st_->bind(next_++, v); }
void Query::bind_one(const char* v) { st_->bind(next_++, v); }
void Query::bind_one(const std::string& v) { st_->bind(next_++, v); }
void Query::bind_one(std::string_view v) { st_->bind(next_++, std::string(v)); }
void Query::bind_one(const Blob& v) {
  // No copy: the caller keeps the bytes alive until the statement ran (Blob's contract).
  st_->bindNoCopy(next_++, static_cast<const void*>(v.bytes.data()), static_cast<int>(v.bytes.size()));
}

}  // namespace shopd::store
