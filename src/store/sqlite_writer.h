// The single writer of a SQLite shop: every write goes through one thread
// that owns the only read-write connection of the process.
//
// Why: SQLite has one write lock per file. Many threads writing at once means
// SQLITE_BUSY, retries and convoys exactly when a flash sale needs throughput.
// Instead, the writer takes every function queued at that moment, runs each
// inside its own SAVEPOINT of one shared transaction, commits once (group
// commit: one fsync for the whole batch under synchronous = full), and only
// then wakes the callers. One caller's failure rolls back only its own
// savepoint. A function runs exactly once.
//
// Request-path writes and background writes take turns in separate batches:
// all waiting requests, then at most a few background writes, and so on. A
// storefront's order never commits together with job bookkeeping and waits
// behind at most a few background writes.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "store/connection.h"
#include "store/writer.h"

namespace shopd::store {

class SqliteWriter final : public Writer {
 public:
  SqliteWriter(std::unique_ptr<Connection> conn, size_t max_queued);
  ~SqliteWriter() override;

  void set_on_jobs_enqueued(std::function<void()> hook) override;
  void stop() override;
  size_t queued() const override;
  uint64_t commits() const override;

 protected:
  void submit_and_wait(const std::function<void(Tx&)>& body, bool is_request) override;

 private:
  struct Task {
    const std::function<void(Tx&)>* body = nullptr;  // the caller's, alive until done is set
    std::promise<void> done;
    std::exception_ptr error;
  };

  void loop();
  // Returns true when the committed batch enqueued jobs.
  bool commit_batch(std::deque<std::shared_ptr<Task>>& batch);

  std::unique_ptr<Connection> conn_;
  const size_t max_queued_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Task>> requests_;
  std::deque<std::shared_ptr<Task>> background_;
  bool stopping_ = false;
  uint64_t commits_ = 0;
  std::function<void()> on_jobs_enqueued_;
  std::thread thread_;
};

}  // namespace shopd::store
