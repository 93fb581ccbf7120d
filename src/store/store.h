// The database as the rest of shopd sees it: one Writer for every write, and a
// pool of read-only connections for reads, all on one SQLite file in WAL mode.
//
// The constructor creates the file and its folder on first start and
// migrates the schema before anything else touches it.
//
// Checkpoints (copying the WAL back into the database file, with its fsyncs)
// run on a thread of their own, never inside the writer's commit: SQLite's
// automatic checkpoint would stall whichever order happens to commit when the
// WAL reaches its limit.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "store/connection.h"
#include "store/writer.h"

namespace shopd::store {

struct StoreOptions {
  std::filesystem::path path;
  std::string synchronous = "normal";
  int busy_timeout_ms = 5000;
  size_t max_queued_writes = 5000;
  size_t readers = 8;
};

class Store {
 public:
  explicit Store(const StoreOptions& options);
  ~Store();

  Writer& writer() { return *writer_; }

  // Runs fn(Connection&) on a pooled read-only connection inside one read
  // transaction (a consistent snapshot). Blocks while every reader is busy.
  template <class F>
  auto read(F&& fn) -> decltype(fn(std::declval<Connection&>()));

  const std::filesystem::path& path() const { return options_.path; }

 private:
  void checkpoint_loop();

  std::unique_ptr<Connection> take_reader();
  void give_back(std::unique_ptr<Connection> conn);

  StoreOptions options_;
  std::unique_ptr<Writer> writer_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;
  size_t readers_open_ = 0;
  bool stopping_ = false;
  std::condition_variable stop_cv_;
  std::thread checkpointer_;
};

template <class F>
auto Store::read(F&& fn) -> decltype(fn(std::declval<Connection&>())) {
  struct Lease {
    Store& store;
    std::unique_ptr<Connection> conn;
    ~Lease() { store.give_back(std::move(conn)); }
  } lease{*this, take_reader()};
  return lease.conn->read(fn);
}

}  // namespace shopd::store
