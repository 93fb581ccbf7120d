#include "store/sqlite/writer.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sqlite3.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

#include "obs/log.h"

namespace shopd::store {

namespace {

// Large enough to amortise a commit, small enough that no caller waits long
// behind others' work.
constexpr size_t kMaxBatch = 256;
// Background writes per batch: as many as arrived while the writer was busy
// (one when few wait, so that a request arriving meanwhile waits for little),
// at most this many under a backlog, where sharing a commit (and under
// synchronous = full, its fsync) matters more.
constexpr size_t kMaxBackgroundBatch = 16;
// While another connection holds the write lock, how often the writer looks
// at its batches' deadlines (SQLite's busy handler sleeps in between).
constexpr auto kLockPoll = std::chrono::milliseconds(50);

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t) && std::atomic<uint32_t>::is_always_lock_free,
              "Batch::done is used as a futex word");

// A caller sleeps until its batch is done, on a plain futex: std::atomic's
// wait() first spins with sched_yield(), which under load cost the waiting
// request threads more than the wait itself.
void wait_until_set(std::atomic<uint32_t>& word) {
  while (word.load(std::memory_order_acquire) == 0)
    ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT_PRIVATE, 0, nullptr, nullptr, 0);
}

// One system call wakes every caller of the batch.
void set_and_wake_all(std::atomic<uint32_t>& word) {
  word.store(1, std::memory_order_release);
  ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

// SQLite result codes that say the database cannot take writes right now, as
// opposed to a mistake in one statement (a constraint, an SQL error).
bool is_storage_code(int code) {
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_NOMEM:
    case SQLITE_READONLY:
    case SQLITE_IOERR:
    case SQLITE_CORRUPT:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
    case SQLITE_NOTADB:
      return true;
    default:
      return false;
  }
}

bool is_storage_failure(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const SQLite::Exception& e) {
    return is_storage_code(e.getErrorCode());
  } catch (const StorageUnavailable&) {
    return true;
  } catch (...) {
    return false;
  }
}

std::string what_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}

}  // namespace

SqliteWriter::SqliteWriter(std::unique_ptr<SqliteConnection> conn, size_t max_queued,
                           std::chrono::milliseconds lock_wait)
    : conn_(std::move(conn)),
      max_queued_(max_queued),
      lock_wait_(lock_wait),
      unavailable_({log::Level::error, "database unavailable", "database available again"}) {
  // Each task runs in its own SAVEPOINT, so SQLite keeps the original of every
  // page a task first touches in a statement journal. Past 64 KiB (a batch of
  // a few orders) that journal spills to a temporary file: a 4 KiB pwrite(2)
  // per page per task, 14 per order, which was half of the writer's time in
  // a flash sale. In memory it costs a memcpy; it lives only until the commit.
  conn_->exec("PRAGMA temp_store = MEMORY");
  thread_ = std::thread([this] { loop(); });
}

SqliteWriter::~SqliteWriter() { stop(); }

void SqliteWriter::set_on_jobs_enqueued(std::function<void()> hook) {
  std::lock_guard lock(mu_);
  on_jobs_enqueued_ = std::move(hook);
}

size_t SqliteWriter::queued() const {
  std::lock_guard lock(mu_);
  return queued_requests_ + queued_background_;
}

uint64_t SqliteWriter::commits() const {
  std::lock_guard lock(mu_);
  return commits_;
}

void SqliteWriter::submit_and_wait(const std::function<void(Tx&)>& body, bool is_request) {
  std::shared_ptr<Batch> batch;
  size_t index = 0;
  {
    std::lock_guard lock(mu_);
    if (stopping_) throw WriterStopped();
    if (is_request && queued_requests_ >= max_queued_) throw WriterOverloaded();
    auto& queue = is_request ? requests_ : background_;
    const size_t capacity = is_request ? kMaxBatch : kMaxBackgroundBatch;
    if (queue.empty() || queue.back()->tasks.size() >= capacity) {
      queue.push_back(std::make_shared<Batch>());
      queue.back()->deadline = std::chrono::steady_clock::now() + lock_wait_;
    }
    batch = queue.back();
    index = batch->tasks.size();
    batch->tasks.push_back(Task{&body, nullptr});
    ++(is_request ? queued_requests_ : queued_background_);
  }
  cv_.notify_one();
  wait_until_set(batch->done);
  // Moved out, so the exception object is only ever released on this thread:
  // its reference count lives in libstdc++, where ThreadSanitizer cannot see
  // it order the writer's release of the batch after this thread's use.
  if (std::exception_ptr error = std::move(batch->tasks[index].error)) std::rethrow_exception(error);
}

void SqliteWriter::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void SqliteWriter::loop() {
  pthread_setname_np(pthread_self(), "shopd-writer");  // for top -H and perf
  bool background_turn = false;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      while (!stopping_ && !has_work()) {
        // An idle writer still says when the database recovered (obs/episode.h).
        if (const auto settles = unavailable_.settles_at()) {
          cv_.wait_until(lock, *settles);
          unavailable_.end_if_settled();
        } else {
          cv_.wait(lock);
        }
      }
      if (!has_work()) return;  // stopping, and everything queued is done
    }
    std::exception_ptr begin_error;
    if (!lock_database(begin_error)) continue;
    std::shared_ptr<Batch> batch;
    {
      std::lock_guard lock(mu_);
      batch = take_batch(background_turn);  // only this thread takes batches: there is one
    }
    bool jobs_enqueued = false;
    std::vector<std::function<void()>> after_commit;
    if (begin_error) fail_batch(batch->tasks, what_of(begin_error));
    else jobs_enqueued = commit_batch(batch->tasks, after_commit);
    for (auto& fn : after_commit) {
      try { fn(); } catch (...) {}
    }
    std::function<void()> hook;
    {
      std::lock_guard lock(mu_);
      ++commits_;
      if (jobs_enqueued) hook = on_jobs_enqueued_;
    }
    if (hook) hook();
    // Wake the callers only now: their data is committed (or their error is
    // final). One notify wakes every caller of the batch.
    set_and_wake_all(batch->done);
  }
}

std::shared_ptr<SqliteWriter::Batch> SqliteWriter::take_batch(bool& background_turn) {
  // Requests and background work take turns in separate batches, so a
  // request never commits together with job bookkeeping, and a stream of
  // requests cannot starve the worker.
  const bool requests_turn = !requests_.empty() && (background_.empty() || !background_turn);
  auto& queue = requests_turn ? requests_ : background_;
  auto batch = std::move(queue.front());
  queue.pop_front();
  (requests_turn ? queued_requests_ : queued_background_) -= batch->tasks.size();
  background_turn = requests_turn;
  return batch;
}

bool SqliteWriter::lock_database(std::exception_ptr& error) {
  sqlite3* handle = conn_->raw().getHandle();
  for (;;) {
    SteadyTime earliest;
    {
      std::lock_guard lock(mu_);
      if (!has_work()) return false;
      earliest = std::min(requests_.empty() ? SteadyTime::max() : requests_.front()->deadline,
                          background_.empty() ? SteadyTime::max() : background_.front()->deadline);
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(earliest - std::chrono::steady_clock::now());
    sqlite3_busy_timeout(handle, static_cast<int>(std::clamp(left, std::chrono::milliseconds(1), kLockPoll).count()));
    try {
      conn_->query("BEGIN IMMEDIATE").exec();
      return true;
    } catch (const SQLite::Exception& e) {
      if ((e.getErrorCode() & 0xff) != SQLITE_BUSY) {
        error = std::current_exception();
        return true;
      }
      if (!fail_overdue(e.what())) return false;
    } catch (...) {
      error = std::current_exception();
      return true;
    }
  }
}

bool SqliteWriter::fail_overdue(const std::string& why) {
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::shared_ptr<Batch>> overdue;
  size_t writes = 0;
  bool still_waiting = false;
  {
    std::lock_guard lock(mu_);
    for (auto* queue : {&requests_, &background_}) {
      // Each queue is in deadline order: every batch has the same lock_wait.
      while (!queue->empty() && queue->front()->deadline <= now) {
        const size_t n = queue->front()->tasks.size();
        (queue == &requests_ ? queued_requests_ : queued_background_) -= n;
        writes += n;
        overdue.push_back(std::move(queue->front()));
        queue->pop_front();
      }
    }
    still_waiting = has_work();
  }
  if (overdue.empty()) return still_waiting;
  const std::string message = why + " (another connection held the write lock for more than " +
                              std::to_string(lock_wait_.count()) + " ms)";
  unavailable_.failed({{"error", message}}, writes);
  const auto error = std::make_exception_ptr(StorageUnavailable(message));
  for (auto& batch : overdue) {
    for (auto& task : batch->tasks) task.error = error;
    set_and_wake_all(batch->done);
  }
  return still_waiting;
}

int64_t SqliteWriter::pages_written() const {
  int current = 0, highest = 0;
  sqlite3_db_status(conn_->raw().getHandle(), SQLITE_DBSTATUS_CACHE_WRITE, &current, &highest, 0);
  return current;
}

bool SqliteWriter::commit_batch(std::vector<Task>& batch, std::vector<std::function<void()>>& after_commit) {
  Connection& db = *conn_;
  // Prepared once like every other statement: re-parsing the transaction
  // control for each task was a tenth of the writer's time.
  auto run = [&db](const char* sql) { db.query(sql).exec(); };
  bool jobs_enqueued = false;
  const int64_t pages_before = pages_written();
  try {
    for (auto& task : batch) {
      Tx tx(db);
      run("SAVEPOINT task");
      try {
        (*task.body)(tx);
      } catch (...) {
        task.error = std::current_exception();
        // The file refused a page (a full disk): the whole transaction is lost.
        if (is_storage_failure(task.error)) throw;
      }
      if (task.error || tx.rolled_back()) {
        run("ROLLBACK TO task");
      } else {
        jobs_enqueued = jobs_enqueued || tx.jobs_enqueued();
        for (auto& fn : tx.take_after_commit()) after_commit.push_back(std::move(fn));
      }
      run("RELEASE task");
    }
    run("COMMIT");
  } catch (const std::exception& e) {
    // A savepoint or COMMIT failed (disk full, I/O error): nothing of this
    // batch is stored, so every caller fails.
    const std::string why = e.what();
    try { db.exec("ROLLBACK"); } catch (...) {}
    after_commit.clear();
    fail_batch(batch, why);
    return false;
  }
  // Only a commit that wrote pages shows the file takes writes again (a
  // batch that changed nothing commits even on a full disk).
  if (pages_written() > pages_before) unavailable_.succeeded();
  return jobs_enqueued;
}

void SqliteWriter::fail_batch(std::vector<Task>& batch, const std::string& why) {
  log::debug("database write failed", {{"error", why}, {"batch", batch.size()}});
  unavailable_.failed({{"error", why}}, batch.size());
  const auto error = std::make_exception_ptr(StorageUnavailable(why));
  for (auto& task : batch)
    if (!task.error || is_storage_failure(task.error)) task.error = error;
}

}  // namespace shopd::store
