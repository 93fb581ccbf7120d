#include "store/writer.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

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

}  // namespace

Writer::Writer(std::unique_ptr<Connection> conn, size_t max_queued)
    : conn_(std::move(conn)), max_queued_(max_queued) {
  // Each task runs in its own SAVEPOINT, so SQLite keeps the original of every
  // page a task first touches in a statement journal. Past 64 KiB (a batch of
  // a few orders) that journal spills to a temporary file: a 4 KiB pwrite(2)
  // per page per task, 14 per order, which was half of the writer's time in
  // a flash sale. In memory it costs a memcpy; it lives only until the commit.
  conn_->exec("PRAGMA temp_store = MEMORY");
  thread_ = std::thread([this] { loop(); });
}

Writer::~Writer() { stop(); }

void Writer::set_on_jobs_enqueued(std::function<void()> hook) {
  std::lock_guard lock(mu_);
  on_jobs_enqueued_ = std::move(hook);
}

size_t Writer::queued() const {
  std::lock_guard lock(mu_);
  return queued_requests_ + queued_background_;
}

uint64_t Writer::commits() const {
  std::lock_guard lock(mu_);
  return commits_;
}

void Writer::submit_and_wait(std::function<void(Tx&)> body, bool is_request) {
  std::shared_ptr<Batch> batch;
  size_t index = 0;
  {
    std::lock_guard lock(mu_);
    if (stopping_) throw WriterStopped();
    if (is_request && queued_requests_ >= max_queued_) throw WriterOverloaded();
    auto& queue = is_request ? requests_ : background_;
    const size_t capacity = is_request ? kMaxBatch : kMaxBackgroundBatch;
    if (queue.empty() || queue.back()->tasks.size() >= capacity) queue.push_back(std::make_shared<Batch>());
    batch = queue.back();
    index = batch->tasks.size();
    batch->tasks.push_back(Task{std::move(body), nullptr});
    ++(is_request ? queued_requests_ : queued_background_);
  }
  cv_.notify_one();
  wait_until_set(batch->done);
  if (batch->tasks[index].error) std::rethrow_exception(batch->tasks[index].error);
}

void Writer::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Writer::loop() {
  pthread_setname_np(pthread_self(), "shopd-writer");  // for top -H and perf
  bool background_turn = false;
  for (;;) {
    std::shared_ptr<Batch> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !requests_.empty() || !background_.empty(); });
      if (requests_.empty() && background_.empty()) return;  // stopping, and everything queued is done
      // Requests and background work take turns in separate batches, so a
      // request never commits together with job bookkeeping, and a stream of
      // requests cannot starve the worker.
      const bool requests_turn = !requests_.empty() && (background_.empty() || !background_turn);
      auto& queue = requests_turn ? requests_ : background_;
      batch = std::move(queue.front());
      queue.pop_front();
      (requests_turn ? queued_requests_ : queued_background_) -= batch->tasks.size();
      background_turn = requests_turn;
    }
    std::vector<std::function<void()>> after_commit;
    const bool jobs_enqueued = commit_batch(batch->tasks, after_commit);
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

bool Writer::commit_batch(std::vector<Task>& batch, std::vector<std::function<void()>>& after_commit) {
  Connection& db = *conn_;
  // Prepared once like every other statement: re-parsing the transaction
  // control for each task was a tenth of the writer's time.
  auto run = [&db](const char* sql) { db.query(sql).exec(); };
  bool jobs_enqueued = false;
  try {
    run("BEGIN IMMEDIATE");
    for (auto& task : batch) {
      Tx tx(db);
      run("SAVEPOINT task");
      try {
        task.body(tx);
      } catch (...) {
        task.error = std::current_exception();
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
    return jobs_enqueued;
  } catch (const std::exception& e) {
    // BEGIN, a savepoint or COMMIT failed (busy past the timeout, disk full,
    // I/O error): nothing of this batch is stored, so every caller fails.
    log::error("database transaction failed", {{"error", e.what()}, {"batch", batch.size()}});
    auto failure = std::current_exception();
    try { db.exec("ROLLBACK"); } catch (...) {}
    for (auto& task : batch)
      if (!task.error) task.error = failure;
    after_commit.clear();
    return false;
  }
}

}  // namespace shopd::store
