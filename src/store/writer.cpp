#include "store/writer.h"

#include <algorithm>

#include "obs/log.h"

namespace shopd::store {

namespace {

// Large enough to amortise a commit, small enough that no caller waits long
// behind others' work.
constexpr size_t kMaxBatch = 256;
// Background writes per batch: one when few wait, so that a request arriving
// meanwhile waits for little; up to kMaxBackgroundBatch under a backlog,
// where sharing a commit (and under synchronous = full, its fsync) matters more.
constexpr size_t kMaxBackgroundBatch = 16;

size_t background_batch(size_t waiting) { return std::clamp<size_t>(waiting / 4, 1, kMaxBackgroundBatch); }

}  // namespace

Writer::Writer(std::unique_ptr<Connection> conn, size_t max_queued)
    : conn_(std::move(conn)), max_queued_(max_queued), thread_([this] { loop(); }) {}

Writer::~Writer() { stop(); }

void Writer::set_on_jobs_enqueued(std::function<void()> hook) {
  std::lock_guard lock(mu_);
  on_jobs_enqueued_ = std::move(hook);
}

size_t Writer::queued() const {
  std::lock_guard lock(mu_);
  return requests_.size() + background_.size();
}

uint64_t Writer::commits() const {
  std::lock_guard lock(mu_);
  return commits_;
}

void Writer::submit_and_wait(std::function<void(Tx&)> body, bool is_request) {
  auto task = std::make_shared<Task>();
  task->body = std::move(body);
  auto done = task->done.get_future();
  {
    std::lock_guard lock(mu_);
    if (stopping_) throw WriterStopped();
    if (is_request && requests_.size() >= max_queued_) throw WriterOverloaded();
    (is_request ? requests_ : background_).push_back(task);
  }
  cv_.notify_one();
  done.get();  // rethrows the task's or the commit's exception
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
  bool background_turn = false;
  for (;;) {
    std::deque<std::shared_ptr<Task>> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !requests_.empty() || !background_.empty(); });
      if (requests_.empty() && background_.empty()) return;  // stopping, and everything queued is done
      // Requests and background work take turns in separate batches, so a
      // request never commits together with job bookkeeping, and a stream of
      // requests cannot starve the worker.
      const bool requests_turn = !requests_.empty() && (background_.empty() || !background_turn);
      auto& queue = requests_turn ? requests_ : background_;
      const size_t limit = requests_turn ? kMaxBatch : background_batch(background_.size());
      while (!queue.empty() && batch.size() < limit) {
        batch.push_back(std::move(queue.front()));
        queue.pop_front();
      }
      background_turn = requests_turn;
    }
    std::vector<std::function<void()>> after_commit;
    const bool jobs_enqueued = commit_batch(batch, after_commit);
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
    // Wake callers only now: their data is committed (or their error is final).
    for (auto& task : batch) {
      if (task->error) task->done.set_exception(task->error);
      else task->done.set_value();
    }
  }
}

bool Writer::commit_batch(std::deque<std::shared_ptr<Task>>& batch,
                          std::vector<std::function<void()>>& after_commit) {
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
        task->body(tx);
      } catch (...) {
        task->error = std::current_exception();
      }
      if (task->error || tx.rolled_back()) {
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
      if (!task->error) task->error = failure;
    after_commit.clear();
    return false;
  }
}

}  // namespace shopd::store
