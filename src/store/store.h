// The database as the rest of shopd sees it: one Writer for every write and
// a pool of connections for reads, on whichever engine the config names:
//   - SQLite (`[database] path`, sqlite/): one file in WAL mode, a single
//     writer thread, read-only connections for reads;
//   - PostgreSQL (`[database] url`, postgres/): a pool of connections
//     shared by reads and writes, several shopd processes on one database.
//
// Nothing outside store/ names an engine. What differs between them before
// the database is opened (is it shared by several servers, can it be
// written, a backup, a look for `shopd check`) is asked of the Engine; what
// differs once it is open is behind Backend, Writer and Connection. The only
// files that know both engines are store.cpp (which one the options name)
// and copy_db.cpp (from one to the other).
//
// The Store constructor creates the database (SQLite: the file and its
// folder) and migrates its schema before anything else touches it. Throws
// std::runtime_error when the database cannot be opened or is newer than
// this binary.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/connection.h"
#include "store/writer.h"

namespace shopd::store {

struct StoreOptions {
  std::filesystem::path path = {};  // the SQLite file, when url is empty
  std::string url = {};        // a libpq connection URI: PostgreSQL instead of the file
  std::string synchronous = "normal";
  int busy_timeout_ms = 5000;
  size_t max_queued_writes = 5000;
  size_t readers = 8;          // PostgreSQL: the pool holds readers + writers connections
  size_t writers = 8;          // PostgreSQL only: writes in flight at once (SQLite has one writer)
};

// An open engine: what Store runs on.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual Dialect dialect() const = 0;
  virtual Writer& writer() = 0;
  // A connection for one read transaction; blocks while every one is busy.
  virtual std::unique_ptr<Connection> take_reader() = 0;
  virtual void give_back(std::unique_ptr<Connection> conn) = 0;
  // Memory the engine's library holds in this process (SQLite's page caches
  // and statements), for /metrics; 0 where it keeps nothing of note here.
  virtual int64_t memory_bytes() const { return 0; }
};

// Held by the one server a database allows (SQLite: an flock on
// `<file>.lock`, released when this object goes away); an engine that lets
// several servers share the database hands out a lock that is always held.
class ServerLock {
 public:
  ServerLock() = default;  // not held: another process has it
  static ServerLock not_needed();
  explicit ServerLock(int fd) : fd_(fd), held_(true) {}
  ServerLock(ServerLock&& other) noexcept : fd_(other.fd_), held_(other.held_) { other.fd_ = -1; }
  ServerLock& operator=(ServerLock&&) = delete;
  ~ServerLock();
  bool held() const { return held_; }

 private:
  int fd_ = -1;
  bool held_ = false;
};

// A consistent copy of the whole shop (`shopd backup`).
struct BackupResult {
  uintmax_t bytes = 0;
  int64_t orders = 0;
};

// Thrown where an engine has no such thing (a backup of a PostgreSQL shop:
// pg_dump does it); the message says what to use instead.
struct NotOnThisEngine : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Where a shop's data lives, before anything is opened: what the commands
// around the server (serve, check, backup, copy-db) ask of the engine.
// Nothing here creates or changes the database.
class Engine {
 public:
  virtual ~Engine() = default;
  // Where the data is, for messages: the file's path, or the URL without any password it may carry.
  virtual std::string label() const = 0;
  // Whether several shopd servers may share the database at once
  // (PostgreSQL). Where one server owns it (SQLite), the jobs it finds
  // running at startup were left by a process that is gone.
  virtual bool shared() const = 0;
  // The file that holds the shop on this machine, when the engine keeps it
  // in one (SQLite): its folder and its mode are the owner's to guard.
  virtual std::optional<std::filesystem::path> file() const = 0;
  // Why a server could not write the database, as one sentence that names
  // the file or folder and says what to do; nullopt when it can, or when
  // only connecting would tell (PostgreSQL).
  virtual std::optional<std::string> write_problem() const = 0;
  // Claims the database for this process when it allows one server only
  // (`serve`, and `copy-db`, which must not copy a shop still taking
  // orders). Not held when another process has it. Throws
  // std::runtime_error, naming the lock file and what to do, when the lock
  // cannot be made.
  virtual ServerLock claim_for_one_server() const = 0;
  // One connection for a one-off look (`shopd check`), without migrating or
  // creating anything: read-only on SQLite, and nullptr when the SQLite file
  // does not exist yet. Throws when the database cannot be reached.
  virtual std::unique_ptr<Connection> open_for_inspection() const = 0;
  // A consistent copy of the live database at `destination`, the server
  // running or not. Throws std::runtime_error when it fails (nothing is left
  // at `destination`), NotOnThisEngine where the engine has its own tool.
  virtual BackupResult backup(const std::filesystem::path& destination) const = 0;
  // Creates the database where the engine does (SQLite), migrates it and
  // opens it: what Store runs on.
  virtual std::unique_ptr<Backend> open() const = 0;
};

// The engine the options name: PostgreSQL when `url` is set, else the SQLite file at `path`.
std::unique_ptr<Engine> engine_for(const StoreOptions& options);

class Store {
 public:
  explicit Store(const StoreOptions& options);
  ~Store();

  Writer& writer() { return backend_->writer(); }
  Dialect dialect() const { return backend_->dialect(); }
  int64_t engine_memory_bytes() const { return backend_->memory_bytes(); }

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

// engine_for(options)->label(): where the shop's data is, for messages.
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
