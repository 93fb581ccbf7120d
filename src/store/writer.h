// The single writer: every write to the database goes through one thread that
// owns the only read-write connection of the process.
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
// The function passed to run() executes on the writer thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

#include "obs/episode.h"
#include "store/connection.h"

namespace shopd::store {

// What a write function sees: the connection, inside a transaction, and a way
// to undo its own work while still returning a value (e.g. "out of stock").
class Tx {
 public:
  explicit Tx(Connection& conn) : db(conn) {}
  Connection& db;
  void rollback() { rollback_ = true; }
  bool rolled_back() const { return rollback_; }
  // Set by the outbox when this transaction made a job due; after the commit
  // the writer wakes the worker, so new work starts within milliseconds.
  void note_jobs_enqueued() { jobs_enqueued_ = true; }
  bool jobs_enqueued() const { return jobs_enqueued_ && !rollback_; }
  // Runs on the writer thread once this transaction committed, before any
  // later write starts: what it reports (a log line) is ordered exactly like
  // the commits, even when another thread acts on the committed rows at once.
  void after_commit(std::function<void()> fn) { after_commit_.push_back(std::move(fn)); }
  std::vector<std::function<void()>> take_after_commit() {
    return rollback_ ? std::vector<std::function<void()>>{} : std::move(after_commit_);
  }

 private:
  bool rollback_ = false;
  bool jobs_enqueued_ = false;
  std::vector<std::function<void()>> after_commit_;
};

// Thrown by run() when the queue is longer than max_queued (load shedding).
struct WriterOverloaded : std::runtime_error {
  WriterOverloaded() : std::runtime_error("write queue full") {}
};

// Thrown by run() and run_always() when the database could not take the
// write: another connection held the write lock past the write's deadline,
// or SQLite reported a full disk, an I/O error, a read-only or damaged file.
// Nothing of the write is stored. Retrying later may succeed.
struct StorageUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Thrown by run() after stop().
struct WriterStopped : std::runtime_error {
  WriterStopped() : std::runtime_error("writer stopped") {}
};

class Writer {
 public:
  Writer(std::unique_ptr<Connection> conn, size_t max_queued, std::chrono::milliseconds lock_wait);
  ~Writer();

  // For the request path. Runs fn(Tx&) in the next batch and blocks until
  // that batch committed. Returns fn's result, or rethrows fn's exception.
  // Throws WriterOverloaded when max_queued requests wait, and
  // StorageUnavailable (see above) when the database cannot take the write.
  template <class F>
  auto run(F&& fn) -> std::invoke_result_t<F&, Tx&>;

  // For background work (the worker, owner actions, maintenance): like run(),
  // but yields to waiting requests and is never refused for a long queue, so
  // jobs make progress while intake is being shed.
  template <class F>
  auto run_always(F&& fn) -> std::invoke_result_t<F&, Tx&>;

  // Called on the writer thread after a commit that enqueued jobs (wakes the worker).
  void set_on_jobs_enqueued(std::function<void()> hook);

  // Finishes everything queued, then stops the thread. Later run() calls throw WriterStopped.
  void stop();

  size_t queued() const;
  // Batches committed so far.
  uint64_t commits() const;
  // False from a write the database refused until a later commit reached the
  // file again (obs/episode.h: flapping within a moment stays "false").
  bool available() const { return !unavailable_.ongoing(); }
  // Writes refused for storage trouble since the start (a metric).
  uint64_t failed_writes() const { return unavailable_.failures_total(); }

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;
  struct Task {
    std::function<void(Tx&)> body;
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

  // Runs fn on the writer thread and hands back its result (run, run_always).
  template <class F>
  auto call(F& fn, bool is_request) -> std::invoke_result_t<F&, Tx&>;
  void submit_and_wait(std::function<void(Tx&)> body, bool is_request);
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

  std::unique_ptr<Connection> conn_;
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

template <class F>
auto Writer::run(F&& fn) -> std::invoke_result_t<F&, Tx&> {
  return call(fn, /*is_request=*/true);
}

template <class F>
auto Writer::run_always(F&& fn) -> std::invoke_result_t<F&, Tx&> {
  return call(fn, /*is_request=*/false);
}

template <class F>
auto Writer::call(F& fn, bool is_request) -> std::invoke_result_t<F&, Tx&> {
  using R = std::invoke_result_t<F&, Tx&>;
  if constexpr (std::is_void_v<R>) {
    submit_and_wait([&](Tx& tx) { fn(tx); }, is_request);
  } else {
    std::optional<R> result;
    submit_and_wait([&](Tx& tx) { result.emplace(fn(tx)); }, is_request);
    return std::move(*result);
  }
}

}  // namespace shopd::store
