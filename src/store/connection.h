// One SQLite connection plus the prepared statements made on it.
//
// Statements are prepared once per connection and cached by their SQL text;
// every value goes in through bound parameters. A Connection is used by one
// thread at a time (the writer thread, or whoever holds a ReadPool lease).
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace shopd::store {

class Query;

// Binary data for a BLOB parameter (an invoice PDF); bound without a copy,
// so the bytes must outlive the statement's step.
struct Blob {
  std::string_view bytes;
};

class Connection {
 public:
  enum class Mode { ReadWrite, ReadOnly };
  // ReadWrite creates a missing database file, owner-only (core/files.h), and
  // throws std::runtime_error naming the file when it can only be read (a
  // read-only file, folder or mount). SQLite errors throw SQLite::Exception.
  Connection(const std::filesystem::path& path, Mode mode, int busy_timeout_ms,
             const std::string& synchronous = "normal");

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A cached prepared statement, reset and with no bindings.
  Query query(std::string_view sql);
  // For statements without parameters (BEGIN, COMMIT, PRAGMA ...).
  void exec(const char* sql);
  int64_t changes() const;

  // Runs fn in a read transaction so that several SELECTs see one snapshot.
  template <class F>
  auto read(F&& fn) -> decltype(fn(*this));

  SQLite::Database& raw() { return db_; }

 private:
  SQLite::Database db_;
  std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> cache_;
};

// A bound statement; resets itself when it goes out of scope so the cached
// statement is ready for the next caller.
class Query {
 public:
  explicit Query(SQLite::Statement& st) : st_(&st) {}
  Query(const Query&) = delete;
  Query(Query&& other) noexcept : st_(other.st_), next_(other.next_) { other.st_ = nullptr; }
  ~Query();

  template <class... Args>
  Query& bind(const Args&... args) {
    (bind_one(args), ...);
    return *this;
  }

  bool step();         // next row; false when done
  int exec();          // run to the end; returns the number of rows changed

  std::string text(int col) const;
  std::optional<std::string> opt_text(int col) const;
  int64_t int64(int col) const;
  std::optional<int64_t> opt_int64(int col) const;
  double real(int col) const;
  // A BLOB (or TEXT) column's bytes; nullopt when NULL.
  std::optional<std::string> opt_blob(int col) const;
  bool is_null(int col) const;

 private:
  void bind_one(std::nullptr_t);
  void bind_one(int v);
  void bind_one(int64_t v);
  void bind_one(long long v) { bind_one(static_cast<int64_t>(v)); }
  void bind_one(size_t v) { bind_one(static_cast<int64_t>(v)); }
  void bind_one(double v);
  void bind_one(bool v) { bind_one(v ? 1 : 0); }
  void bind_one(const char* v);
  void bind_one(const std::string& v);
  void bind_one(std::string_view v);
  void bind_one(const Blob& v);
  template <class T>
  void bind_one(const std::optional<T>& v) {
    if (v) bind_one(*v);
    else bind_one(nullptr);
  }

  SQLite::Statement* st_;
  int next_ = 1;
};

template <class F>
auto Connection::read(F&& fn) -> decltype(fn(*this)) {
  exec("BEGIN");
  try {
    if constexpr (std::is_void_v<decltype(fn(*this))>) {
      fn(*this);
      exec("COMMIT");
    } else {
      auto result = fn(*this);
      exec("COMMIT");
      return result;
    }
  } catch (...) {
    try { exec("ROLLBACK"); } catch (...) {}
    throw;
  }
}

}  // namespace shopd::store
