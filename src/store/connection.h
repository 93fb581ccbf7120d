// One database connection plus the prepared statements made on it, whatever
// the engine behind it (SQLite: sqlite/connection.h, PostgreSQL:
// postgres/connection.h). The store's functions take a Connection& and never know
// which one they got.
//
// Statements are prepared once per connection and cached by their SQL text;
// every value goes in through bound parameters, written `?1`, `?2` ... (a
// PostgreSQL connection reads them as `$1`, `$2` ...). Where the two engines
// need different SQL, the statement is an `Sql` pair and each connection
// takes its own dialect's text: the difference stays inside store/.
//
// A Connection is used by one thread at a time (the writer, or whoever holds
// it from a pool).
//
// Errors: every call may throw std::runtime_error (SQLite::Exception, or
// DatabaseError with PostgreSQL's SQLSTATE).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace shopd::store {

enum class Dialect { Sqlite, Postgres };

// A statement whose text differs between the engines.
struct Sql {
  const char* sqlite;
  const char* postgres;
  const char* text(Dialect d) const { return d == Dialect::Sqlite ? sqlite : postgres; }
};

// A failed statement, with the engine's error class where it has one
// (PostgreSQL's SQLSTATE, e.g. "40001" serialization failure).
struct DatabaseError : std::runtime_error {
  DatabaseError(const std::string& message, std::string state)
      : std::runtime_error(message), sqlstate(std::move(state)) {}
  std::string sqlstate;
};

// Binary data for a BLOB/bytea parameter (an invoice PDF); bound without a
// copy, so the bytes must outlive the statement's execution.
struct Blob {
  std::string_view bytes;
};

// One prepared statement of one engine. Parameters are numbered from 1,
// columns from 0. Used through Query.
class Statement {
 public:
  virtual ~Statement() = default;
  virtual void bind_null(int index) = 0;
  virtual void bind_int64(int index, int64_t v) = 0;
  virtual void bind_double(int index, double v) = 0;
  virtual void bind_text(int index, std::string_view v) = 0;
  virtual void bind_blob(int index, std::string_view v) = 0;
  virtual bool step() = 0;
  virtual int64_t exec() = 0;
  virtual bool is_null(int col) const = 0;
  virtual std::string text(int col) const = 0;
  virtual int64_t int64(int col) const = 0;
  virtual double real(int col) const = 0;
  virtual std::string blob(int col) const = 0;
  // Ready for the next caller: no row, no bindings.
  virtual void reset() = 0;
};

// A bound statement; resets itself when it goes out of scope so the cached
// statement is ready for the next caller.
class Query {
 public:
  explicit Query(Statement& st) : st_(&st) {}
  Query(const Query&) = delete;
  Query(Query&& other) noexcept : st_(other.st_), next_(other.next_) { other.st_ = nullptr; }
  ~Query();

  template <class... Args>
  Query& bind(const Args&... args) {
    (bind_one(args), ...);
    return *this;
  }

  bool step() { return st_->step(); }       // next row; false when done
  int exec() { return static_cast<int>(st_->exec()); }  // run to the end; returns the number of rows changed

  std::string text(int col) const { return st_->text(col); }  // "" when NULL
  std::optional<std::string> opt_text(int col) const;
  int64_t int64(int col) const { return st_->int64(col); }    // a boolean column reads as 0 or 1
  std::optional<int64_t> opt_int64(int col) const;
  double real(int col) const { return st_->real(col); }
  // A BLOB/bytea (or TEXT) column's bytes; nullopt when NULL.
  std::optional<std::string> opt_blob(int col) const;
  bool is_null(int col) const { return st_->is_null(col); }

 private:
  void bind_one(std::nullptr_t) { st_->bind_null(next_++); }
  void bind_one(int v) { st_->bind_int64(next_++, v); }
  void bind_one(int64_t v) { st_->bind_int64(next_++, v); }
  void bind_one(long long v) { bind_one(static_cast<int64_t>(v)); }
  void bind_one(size_t v) { bind_one(static_cast<int64_t>(v)); }
  void bind_one(double v) { st_->bind_double(next_++, v); }
  void bind_one(bool v) { bind_one(v ? 1 : 0); }
  void bind_one(const char* v) { st_->bind_text(next_++, v); }
  void bind_one(const std::string& v) { st_->bind_text(next_++, v); }
  void bind_one(std::string_view v) { st_->bind_text(next_++, v); }
  void bind_one(const Blob& v) { st_->bind_blob(next_++, v.bytes); }
  template <class T>
  void bind_one(const std::optional<T>& v) {
    if (v) bind_one(*v);
    else bind_one(nullptr);
  }

  Statement* st_;
  int next_ = 1;
};

class Connection {
 public:
  virtual ~Connection() = default;
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  virtual Dialect dialect() const = 0;

  // A cached prepared statement, reset and with no bindings.
  Query query(std::string_view sql) { return Query(prepare(sql)); }
  Query query(const Sql& sql) { return query(std::string_view(sql.text(dialect()))); }
  // For statements without parameters (BEGIN, COMMIT, SAVEPOINT ...).
  virtual void exec(const char* sql) = 0;

  // Runs fn in a read transaction so that several SELECTs see one snapshot.
  template <class F>
  auto read(F&& fn) -> decltype(fn(*this));

  // False once the connection is known to be unusable (the server went
  // away); a pool drops it instead of handing it out again.
  virtual bool usable() const { return true; }

  // A write that reaches the disk and changes nothing: in the writer's
  // transaction it proves the database takes writes, where an empty commit
  // would succeed even on a full disk (SQLite: the header page again, with
  // the same user_version; PostgreSQL: a transaction id, so the commit
  // writes WAL).
  virtual void rewrite_header() = 0;
  // The engine's own check of its files: "ok" when sound (SQLite's PRAGMA
  // integrity_check), nullopt when the engine has none to offer here
  // (PostgreSQL checks its pages itself; pg_amcheck goes deeper).
  virtual std::optional<std::string> integrity_check() = 0;

 protected:
  virtual Statement& prepare(std::string_view sql) = 0;
  virtual void begin_read() = 0;
};

template <class F>
auto Connection::read(F&& fn) -> decltype(fn(*this)) {
  begin_read();
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
