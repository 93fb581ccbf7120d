// The background worker: drains the outbox inside the shopd process.
//
// `worker.concurrency` executor threads run claimed jobs. An executor that
// finishes a job records its outcome and claims its own next jobs in the same
// write (JobExecutor's AlsoInTransaction), so under a backlog each job costs
// one write, and an order's next step (enqueued by that very write) usually
// starts on the same thread at once. A dispatcher thread claims work for idle
// executors: when a commit enqueued jobs (the writer's signal, within
// milliseconds), when the next retry is due, and on the maintenance tick
// (lease extension, rescue of abandoned jobs: outbox/rescuer.h, retention:
// outbox/pruner.h). Idle costs nothing beyond that tick.
//
// Provider calls mostly wait on the network, so a shop may run hundreds of
// executors; each is a thread with a small stack (kExecutorStackBytes),
// which keeps 500 of them within a few MB of RSS while the code stays plain
// blocking calls.
//
// Threads: notify() may be called from any thread. start() and stop() from
// the owning thread only.
#pragma once

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "core/cancel.h"
#include "core/time.h"
#include "jobs/handler.h"
#include "obs/metrics.h"
#include "outbox/job_executor.h"
#include "store/store.h"

namespace shopd {

class Worker {
 public:
  Worker(const Config& config, store::Store& store, Providers& providers, Metrics& metrics, const Clock& clock,
         HandlerLookup handlers = handler_for);
  ~Worker();

  // Rescues the jobs a previous process left running, then starts the
  // threads. `sole_server`: this process is the only server on the database
  // (SQLite: it holds the file's lock), so a job another process left
  // running is abandoned and runs again at once. On a shared database
  // (PostgreSQL) another node's jobs are rescued only once their lease expired.
  void start(bool sole_server = true);

  // A commit enqueued a job: look for due work now (when an executor is free).
  void notify();

  // Stops claiming, lets running jobs finish for up to `grace`, then cancels
  // what still runs and releases every job this process holds back to the
  // queue in one statement. Returns false when some executor thread is still
  // stuck in a handler (the caller should then exit without joining it).
  bool stop(std::chrono::milliseconds grace);

  // True while the dispatcher loop is turning (for /readyz).
  bool alive() const;
  size_t in_flight() const;
  const std::string& owner() const { return owner_; }

 private:
  void dispatch_loop();
  void executor_loop();
  // Runs one job; its outcome's write also claims up to the slots it frees.
  void run_and_claim_next(const store::Job& job, std::mt19937_64& rng);
  void claim_for_idle_executors(TimePoint now);
  void maintain(TimePoint now);
  // Puts back the jobs whose outcome the database refused to record.
  void requeue_unrecorded(TimePoint now);
  std::chrono::milliseconds tick() const;

  // REQUIRES: mu_ held.
  size_t free_slots() const;
  void queue_claimed(std::vector<store::Job>& jobs);

  const Config& config_;
  store::Store& store_;
  Metrics& metrics_;
  const Clock& clock_;
  const std::string owner_;
  Cancel cancel_;
  JobExecutor executor_;

  mutable std::mutex mu_;
  std::condition_variable dispatch_cv_;
  std::condition_variable exec_cv_;
  std::condition_variable idle_cv_;
  std::deque<store::Job> ready_;          // claimed, waiting for an executor
  std::set<std::string> in_flight_ids_;   // claimed and not yet finished
  std::vector<store::Job> unrecorded_;    // ran, but the database refused the outcome: still ours
  size_t reserved_ = 0;                   // slots promised to claims being written right now
  size_t executing_ = 0;
  size_t exited_executors_ = 0;
  bool wake_ = true;                      // something may be due: look now
  bool stopping_ = false;
  TimePoint next_due_{};
  TimePoint next_maintenance_{};
  TimePoint next_prune_{};

  std::atomic<int64_t> heartbeat_ms_{0};
  std::thread dispatcher_;
  std::vector<pthread_t> executors_;
};

}  // namespace shopd
