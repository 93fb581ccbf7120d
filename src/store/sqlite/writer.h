// The single writer of a SQLite shop: every write goes through one thread
// that owns the only read-write connection of the process.
//
// Why: SQLite has one write lock per file. Many threads writing at once means
// SQLITE_BUSY, retries and convoys exactly when a flash sale needs throughput.
// Instead, callers hand the writer a function; the writer takes every function
// queued at that moment, runs each inside its own SAVEPOINT of one shared
// transaction, commits once (group commit: one fsync for the whole batch under
// synchronous = full), and only then wakes the callers. A caller therefore
// never sees "done" before its data is durable, and one caller's failure rolls
// back only its own savepoint.
//
// Request-path writes (run()) and background writes (run_always(): the
// worker, owner actions, maintenance) take turns in separate batches: all
// waiting requests, then at most a few background writes, and so on. A
// storefront's order never commits together with job bookkeeping and waits
// behind at most a few background writes, while a flood of orders cannot
// starve the worker.
//
// Every write has a deadline: `lock_wait` (database.busy_timeout_ms) after it
// was queued. The writer takes SQLite's write lock before it picks a batch;
// while another connection holds the lock (an owner's sqlite3 session in a
// long transaction), each write whose deadline passes fails with
// StorageUnavailable without having run. So a caller waits at most lock_wait
// plus the one batch that already holds the lock (milliseconds), however many
// batches were waiting for the lock before it.
//
// Storage trouble (the lock held past a deadline, a full disk, an I/O error,
// a read-only file) reaches callers as StorageUnavailable and is logged here,
// once when it begins ("database unavailable") and once when a commit
// reaches the file again ("database available again"): callers need not log
// it per write.
//
// Callers that arrive while the writer is busy join the same open batch and
// wait on it together: one wake-up per batch, not one per caller (each was a
// system call on the writer thread). A batch's deadline is its first write's,
// so a write that joined it later may be refused sooner, never later.
//
// Threads: run() may be called from any thread except the writer itself.
// The function passed to run() executes on the writer thread, exactly once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "obs/episode.h"
#include "store/sqlite/connection.h"
#include "store/writer.h"

namespace shopd::store {

class SqliteWriter final : public Writer {
 public:
  // `lock_wait`: how long a write may wait for the file's write lock (above).
  SqliteWriter(std::unique_ptr<SqliteConnection> conn, size_t max_queued, std::chrono::milliseconds lock_wait);
  ~SqliteWriter() override;

  // Called on the writer thread after a commit that enqueued jobs.
  void set_on_jobs_enqueued(std::function<void()> hook) override;
  // Finishes everything queued, then stops the thread.
  void stop() override;
  size_t queued() const override;
  // Batches committed so far.
  uint64_t commits() const override;
  bool available() const override { return !unavailable_.ongoing(); }
  uint64_t failed_writes() const override { return unavailable_.failures_total(); }

 protected:
  void submit_and_wait(const std::function<void(Tx&)>& body, bool is_request) override;

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;
  struct Task {
    const std::function<void(Tx&)>* body = nullptr;  // the caller's, alive until its batch is done
    std::exception_ptr error;
  };
  // Tasks committed together. Callers append while it is the last of its
  // queue; once the writer has taken it, only the writer touches it until
  // `done`, after which each caller reads its own task's error.
  struct Batch {
    std::vector<Task> tasks;
    std::atomic<uint32_t> done{0};  // a futex word: 1 once committed (or failed)
    SteadyTime deadline;            // its first write's: fails without running if the write lock is not ours by then
  };

  void loop();
  // REQUIRES: mu_ held.
  bool has_work() const { return !requests_.empty() || !background_.empty(); }
  // REQUIRES: mu_ held, has_work().
  std::shared_ptr<Batch> take_batch(bool& background_turn);
  // BEGIN IMMEDIATE for the next batch. While another connection holds the
  // lock, fails the writes whose deadline passes. Returns false when none is
  // left waiting; true when the transaction began, or when BEGIN failed for
  // another reason (then `error` is set and the next batch fails with it).
  bool lock_database(std::exception_ptr& error);
  // Fails every queued write whose deadline passed; returns whether any still waits.
  bool fail_overdue(const std::string& why);
  // Runs the batch in the transaction lock_database() began and commits it.
  // Returns true when the committed batch enqueued jobs.
  bool commit_batch(std::vector<Task>& tasks, std::vector<std::function<void()>>& after_commit);
  void fail_batch(std::vector<Task>& tasks, const std::string& why);
  int64_t pages_written() const;

  std::unique_ptr<SqliteConnection> conn_;
  const size_t max_queued_;
  const std::chrono::milliseconds lock_wait_;
  Episode unavailable_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Batch>> requests_;
  std::deque<std::shared_ptr<Batch>> background_;
  size_t queued_requests_ = 0;
  size_t queued_background_ = 0;
  bool stopping_ = false;
  uint64_t commits_ = 0;
  std::function<void()> on_jobs_enqueued_;
  std::thread thread_;
};

}  // namespace shopd::store
