// The database as the rest of shopd sees it: one Writer for every write, and a
// pool of read-only connections for reads, all on one SQLite file in WAL mode.
//
// Store::open creates the file and its folder on first start and migrates the
// schema before anything else touches it.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
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
  std::unique_ptr<Connection> take_reader();
  void give_back(std::unique_ptr<Connection> conn);

  StoreOptions options_;
  std::unique_ptr<Writer> writer_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;
  size_t readers_open_ = 0;
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
