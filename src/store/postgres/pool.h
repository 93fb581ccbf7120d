// A pool of PostgreSQL connections, opened on demand up to a size and kept.
//
// take() blocks while every connection is out. A caller may pass a lower
// limit than the pool's size to leave room for others (background writes
// leave some for the request path). A connection given back broken
// (usable() false) is closed, and the next take() opens a fresh one, so the
// pool recovers by itself from a database restart.
//
// Threads: every method may be called from any thread.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/postgres/connection.h"

namespace shopd::store {

class PgPool {
 public:
  PgPool(std::string url, size_t size);

  // Throws DatabaseError when a new connection cannot be opened.
  std::unique_ptr<PgConnection> take(size_t limit);
  std::unique_ptr<PgConnection> take() { return take(size_); }
  void give_back(std::unique_ptr<PgConnection> conn);

  size_t size() const { return size_; }

 private:
  const std::string url_;
  const size_t size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  size_t out_ = 0;  // connections handed out
};

}  // namespace shopd::store
