// The database as the rest of shopd sees it: one Writer for every write and
// a pool of connections for reads, on whichever engine the config names:
//   - SQLite (`[database] path`, sqlite/backend.h): one file in WAL mode, a
//     single writer thread, read-only connections for reads;
//   - PostgreSQL (`[database] url`, postgres/backend.h): a pool of connections
//     shared by reads and writes, several shopd processes on one database.
//
// The constructor creates the database (SQLite: the file and its folder)
// and migrates its schema before anything else touches it. Throws
// std::runtime_error when the database cannot be opened or is newer than
// this binary.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "store/connection.h"
#include "store/writer.h"

namespace shopd::store {

struct StoreOptions {
  std::filesystem::path path;  // the SQLite file, when url is empty
  std::string url = {};        // a libpq connection URI: PostgreSQL instead of the file
  std::string synchronous = "normal";
  int busy_timeout_ms = 5000;
  size_t max_queued_writes = 5000;
  size_t readers = 8;          // PostgreSQL: the pool holds readers + writers connections
  size_t writers = 8;          // PostgreSQL only: writes in flight at once (SQLite has one writer)
};

// What an engine provides to Store.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual Dialect dialect() const = 0;
  virtual Writer& writer() = 0;
  // A connection for one read transaction; blocks while every one is busy.
  virtual std::unique_ptr<Connection> take_reader() = 0;
  virtual void give_back(std::unique_ptr<Connection> conn) = 0;
};

class Store {
 public:
  explicit Store(const StoreOptions& options);
  ~Store();

  Writer& writer() { return backend_->writer(); }
  Dialect dialect() const { return backend_->dialect(); }

  // Runs fn(Connection&) on a pooled connection inside one read transaction
  // (a consistent snapshot). Blocks while every reader is busy.
  template <class F>
  auto read(F&& fn) -> decltype(fn(std::declval<Connection&>()));

  const StoreOptions& options() const { return options_; }
  // The SQLite file (for tests and messages; unused on PostgreSQL).
  const std::filesystem::path& path() const { return options_.path; }

 private:
  StoreOptions options_;
  std::unique_ptr<Backend> backend_;
};

// One connection for a one-off look (`shopd check`), without migrating or
// creating anything: read-only on SQLite, and nullptr when the SQLite file
// does not exist yet. Throws when the database cannot be reached.
std::unique_ptr<Connection> open_for_inspection(const StoreOptions& options);

// Where the shop's data is, for messages: the file's path, or the URL
// without any password it may carry.
std::string database_label(const StoreOptions& options);

template <class F>
auto Store::read(F&& fn) -> decltype(fn(std::declval<Connection&>())) {
  struct Lease {
    Backend& backend;
    std::unique_ptr<Connection> conn;
    ~Lease() { backend.give_back(std::move(conn)); }
  } lease{*backend_, backend_->take_reader()};
  return lease.conn->read(fn);
}

}  // namespace shopd::store
