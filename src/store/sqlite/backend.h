// A shop in one SQLite file: the single writer (writer.h) and a pool
// of read-only connections, all on one file in WAL mode.
//
// Checkpoints (copying the WAL back into the database file, with its fsyncs)
// run on a thread of their own, never inside the writer's commit: SQLite's
// automatic checkpoint would stall whichever order happens to commit when the
// WAL reaches its limit.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "store/sqlite/writer.h"
#include "store/store.h"

namespace shopd::store {

class SqliteBackend final : public Backend {
 public:
  // Creates the file and its folder on first start and migrates the schema.
  explicit SqliteBackend(const StoreOptions& options);
  ~SqliteBackend() override;

  Dialect dialect() const override { return Dialect::Sqlite; }
  Writer& writer() override { return *writer_; }
  std::unique_ptr<Connection> take_reader() override;
  void give_back(std::unique_ptr<Connection> conn) override;
  int64_t memory_bytes() const override;

 private:
  void checkpoint_loop();

  StoreOptions options_;
  std::unique_ptr<SqliteWriter> writer_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;
  size_t readers_open_ = 0;
  bool stopping_ = false;
  std::condition_variable stop_cv_;
  std::thread checkpointer_;
};

}  // namespace shopd::store
