// The background worker: drains the outbox inside the shopd process.
//
// One dispatcher thread claims due jobs (in batches, through the writer) and
// hands them to `worker.concurrency` executor threads. Provider calls mostly
// wait on the network, so a shop may run hundreds of executors; each is a
// thread with a small stack (kExecutorStackBytes), which keeps 500 of them
// within a few tens of MB of RSS while the code stays plain blocking calls.
//
// Idle costs nothing: the dispatcher sleeps until the next job is due, until
// the writer signals that a commit enqueued a job (within milliseconds), or
// until the maintenance tick (lease extension, rescue of abandoned jobs,
// retention), whichever is first.
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
  Worker(const Config& config, store::Store& store, Providers& providers, Metrics& metrics, const Clock& clock);
  ~Worker();

  // Rescues every job a previous process left running (it is gone: the
  // server holds the database's lock file), then starts the threads.
  void start();

  // A commit enqueued a job: look for due work now.
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
  void claim(TimePoint now, size_t free_slots);
  void maintain(TimePoint now);
  void rescue_abandoned(TimePoint now, bool at_startup);
  void prune_old_rows(TimePoint now);
  std::chrono::milliseconds tick() const;

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
