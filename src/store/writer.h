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
// Callers that arrive while the writer is busy join the same open batch and
// wait on it together: one wake-up per batch, not one per caller (each was a
// system call on the writer thread).
//
// Threads: run() may be called from any thread except the writer itself.
// The function passed to run() executes on the writer thread.
#pragma once

#include <atomic>
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

// Thrown by run() after stop().
struct WriterStopped : std::runtime_error {
  WriterStopped() : std::runtime_error("writer stopped") {}
};

class Writer {
 public:
  Writer(std::unique_ptr<Connection> conn, size_t max_queued);
  ~Writer();

  // For the request path. Runs fn(Tx&) in the next batch and blocks until
  // that batch committed. Returns fn's result, or rethrows fn's exception or
  // the commit's. Throws WriterOverloaded when max_queued requests wait.
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
  // Batches committed so far; /readyz checks that it moves.
  uint64_t commits() const;

 private:
  struct Task {
    std::function<void(Tx&)> body;
    std::exception_ptr error;
  };
  // Tasks committed together. Callers append while it is the last of its
  // queue; once the writer has taken it, only the writer touches it until
  // `done`, after which each caller reads its own task's error.
  struct Batch {
    std::vector<Task> tasks;
    std::atomic<uint32_t> done{0};  // a futex word: 1 once committed
  };

  // Runs fn on the writer thread and hands back its result (run, run_always).
  template <class F>
  auto call(F& fn, bool is_request) -> std::invoke_result_t<F&, Tx&>;
  void submit_and_wait(std::function<void(Tx&)> body, bool is_request);
  void loop();
  // Returns true when the committed batch enqueued jobs.
  bool commit_batch(std::vector<Task>& tasks, std::vector<std::function<void()>>& after_commit);

  std::unique_ptr<Connection> conn_;
  const size_t max_queued_;
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
