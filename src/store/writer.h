// Every write to the database goes through the store's Writer: callers hand
// it a function that takes a Tx, and get back the function's result once
// the transaction holding it committed (or its exception, or the commit's).
// A caller therefore never sees "done" before its data is durable.
//
// Two engines, one contract (the caller cannot tell which runs):
//   - SQLite (sqlite/writer.h): one writer thread owns the only read-write
//     connection; it runs every function queued at that moment inside its
//     own SAVEPOINT of one shared transaction (group commit).
//   - PostgreSQL (postgres/writer.h): each call is its own transaction on a pooled
//     connection, run on the caller's thread; several processes write at once.
//
// Request-path writes (run()) come before background writes (run_always():
// the worker, owner actions, maintenance): a storefront's order never waits
// behind a backlog of job bookkeeping, while a flood of orders cannot starve
// the worker either.
//
// The function may run MORE THAN ONCE: on PostgreSQL a serialization failure
// or a deadlock (SQLSTATE 40001, 40P01) rolls the transaction back and runs
// the function again on a fresh one, so a caller never sees those errors.
// Everything the function does outside its Tx must be safe to redo (assign
// results, do not accumulate them).
//
// Storage trouble reaches callers as StorageUnavailable and is logged by the
// writer, once when it begins ("database unavailable") and once when a
// commit reaches the disk again ("database available again"): callers need
// not log it per write. SQLite: a write waits for the file's write lock at
// most database.busy_timeout_ms after it was queued (sqlite/writer.h), a
// full disk, an I/O error, a read-only file. PostgreSQL: the server cannot
// be reached or refuses writes (a full disk, a read-only standby, shutting
// down).
//
// Threads: run() may be called from any thread except from inside another
// write function. The function runs on the writer thread (SQLite) or the
// caller's thread (PostgreSQL).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
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
  // the workers are woken (this process's directly, other processes' through
  // the database), so new work starts within milliseconds.
  void note_jobs_enqueued() { jobs_enqueued_ = true; }
  bool jobs_enqueued() const { return jobs_enqueued_ && !rollback_; }
  // Runs once this transaction committed, before the write returns and, on
  // SQLite, on the writer thread before any later write starts: what it
  // reports (a log line) is ordered like the commits, even when another
  // thread acts on the committed rows at once. Not run for a try that was
  // rolled back (PostgreSQL runs the function again: it registers again).
  void after_commit(std::function<void()> fn) { after_commit_.push_back(std::move(fn)); }
  std::vector<std::function<void()>> take_after_commit() {
    return rollback_ ? std::vector<std::function<void()>>{} : std::move(after_commit_);
  }

 private:
  bool rollback_ = false;
  bool jobs_enqueued_ = false;
  std::vector<std::function<void()>> after_commit_;
};

// Thrown by run() when max_queued requests already wait (load shedding).
struct WriterOverloaded : std::runtime_error {
  WriterOverloaded() : std::runtime_error("write queue full") {}
};

// Thrown by run() and run_always() when the database could not take the
// write (see above). Nothing of the write is stored. Retrying later may
// succeed.
struct StorageUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Thrown by run() after stop().
struct WriterStopped : std::runtime_error {
  WriterStopped() : std::runtime_error("writer stopped") {}
};

class Writer {
 public:
  virtual ~Writer() = default;

  // For the request path. Runs fn(Tx&) in a transaction and blocks until it
  // committed. Returns fn's result, or rethrows fn's exception or the
  // commit's. Throws WriterOverloaded when max_queued requests wait.
  template <class F>
  auto run(F&& fn) -> std::invoke_result_t<F&, Tx&> {
    return call(fn, /*is_request=*/true);
  }

  // For background work (the worker, owner actions, maintenance): like run(),
  // but yields to waiting requests and is never refused for a long queue, so
  // jobs make progress while intake is being shed.
  template <class F>
  auto run_always(F&& fn) -> std::invoke_result_t<F&, Tx&> {
    return call(fn, /*is_request=*/false);
  }

  // Called after a commit that enqueued jobs (wakes the worker).
  virtual void set_on_jobs_enqueued(std::function<void()> hook) = 0;

  // Finishes everything queued or running, then refuses new work: later
  // run() calls throw WriterStopped.
  virtual void stop() = 0;

  // Writes waiting for their turn.
  virtual size_t queued() const = 0;
  // Transactions committed so far.
  virtual uint64_t commits() const = 0;
  // False from a write the database refused until a later commit reached the
  // disk again (obs/episode.h: flapping within a moment stays "false").
  virtual bool available() const = 0;
  // Writes refused for storage trouble since the start (a metric).
  virtual uint64_t failed_writes() const = 0;

 protected:
  // Runs body in a transaction (possibly several times, see above) and
  // returns once it committed; rethrows body's or the commit's exception.
  virtual void submit_and_wait(const std::function<void(Tx&)>& body, bool is_request) = 0;

 private:
  template <class F>
  auto call(F& fn, bool is_request) -> std::invoke_result_t<F&, Tx&> {
    using R = std::invoke_result_t<F&, Tx&>;
    if constexpr (std::is_void_v<R>) {
      submit_and_wait([&](Tx& tx) { fn(tx); }, is_request);
    } else {
      std::optional<R> result;
      submit_and_wait([&](Tx& tx) { result.emplace(fn(tx)); }, is_request);
      return std::move(*result);
    }
  }
};

}  // namespace shopd::store
