#include "outbox/worker.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include "core/uuid7.h"
#include "obs/log.h"
#include "outbox/pruner.h"
#include "outbox/rescuer.h"
#include "store/outbox_store.h"

namespace shopd {

namespace {

// Big enough for libcurl + OpenSSL handshakes and PDF rendering, small enough
// that hundreds of threads stay cheap (only touched pages count towards RSS).
// Sanitizers keep shadow frames on the stack and need far more.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr size_t kExecutorStackBytes = 4 << 20;
#else
constexpr size_t kExecutorStackBytes = 256 << 10;
#endif

constexpr size_t kDispatchClaimBatch = 64;
// An executor claims at most this many with its job's outcome: enough to keep
// idle executors fed, few enough that one write stays short.
constexpr size_t kExecutorClaimBatch = 4;
constexpr int kExecutorNice = 5;
constexpr auto kPruneInterval = std::chrono::minutes(1);

pthread_t spawn_with_stack(size_t stack_bytes, void* (*fn)(void*), void* arg) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, stack_bytes);
  pthread_t thread;
  const int rc = pthread_create(&thread, &attr, fn, arg);
  pthread_attr_destroy(&attr);
  if (rc != 0) throw std::runtime_error("cannot start worker thread: " + std::to_string(rc));
  return thread;
}

}  // namespace

Worker::Worker(const Config& config, store::Store& store, Providers& providers, Metrics& metrics, const Clock& clock,
               HandlerLookup handlers)
    : config_(config),
      store_(store),
      metrics_(metrics),
      clock_(clock),
      owner_(new_uuid7()),
      executor_(config, store, providers, metrics, clock, cancel_, handlers) {}

Worker::~Worker() {
  if (dispatcher_.joinable()) stop(std::chrono::milliseconds(0));
}

std::chrono::milliseconds Worker::tick() const {
  // Leases are extended once more than half used, so tick at least 4x per lease.
  return std::min(std::chrono::milliseconds(1000), std::chrono::milliseconds(config_.worker.lease_seconds * 250));
}

void Worker::start(bool sole_server) {
  rescue_abandoned(store_, owner_, clock_.now(), /*others_are_gone=*/sole_server);
  const auto now = clock_.now();
  next_due_ = now;
  next_maintenance_ = now + tick();
  next_prune_ = now;
  heartbeat_ms_ = now.time_since_epoch().count();
  for (int i = 0; i < config_.worker.concurrency; ++i) {
    executors_.push_back(spawn_with_stack(kExecutorStackBytes, [](void* self) -> void* {
      static_cast<Worker*>(self)->executor_loop();
      return nullptr;
    }, this));
  }
  dispatcher_ = std::thread([this] { dispatch_loop(); });
  log::info("worker started", {{"concurrency", config_.worker.concurrency}, {"owner", owner_}});
}

size_t Worker::free_slots() const {
  const size_t taken = in_flight_ids_.size() + reserved_;
  const auto concurrency = static_cast<size_t>(config_.worker.concurrency);
  return taken >= concurrency ? 0 : concurrency - taken;
}

void Worker::queue_claimed(std::vector<store::Job>& jobs) {
  for (auto& job : jobs) {
    in_flight_ids_.insert(job.id);
    ready_.push_back(std::move(job));
  }
}

void Worker::notify() {
  std::lock_guard lock(mu_);
  wake_ = true;
  // With every executor busy, the executors claim for themselves as they
  // finish: waking the dispatcher would only cost two context switches.
  if (free_slots() > 0) dispatch_cv_.notify_one();
}

bool Worker::alive() const {
  const int64_t age_ms = clock_.now().time_since_epoch().count() - heartbeat_ms_.load();
  return dispatcher_.joinable() && age_ms < 10 * tick().count() + 5000;
}

size_t Worker::in_flight() const {
  std::lock_guard lock(mu_);
  return in_flight_ids_.size();
}

void Worker::dispatch_loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const TimePoint wake_at = free_slots() > 0 ? std::min(next_due_, next_maintenance_) : next_maintenance_;
    const auto sleep = std::max(wake_at - clock_.now(), Millis(0));
    dispatch_cv_.wait_for(lock, sleep, [&] { return stopping_ || (wake_ && free_slots() > 0); });
    if (stopping_) break;

    const TimePoint now = clock_.now();
    const bool look = free_slots() > 0 && (wake_ || now >= next_due_);
    if (look) wake_ = false;
    lock.unlock();
    heartbeat_ms_ = now.time_since_epoch().count();
    const bool maintenance_due = now >= next_maintenance_;
    // Set before the work, not after: a database that refuses writes must
    // not make the loop try again at once, and again, on a spinning core.
    if (maintenance_due) next_maintenance_ = now + tick();
    try {
      if (maintenance_due) maintain(now);
      if (look) claim_for_idle_executors(now);
    } catch (const store::StorageUnavailable&) {
      // The writer logged it; look again on the next tick.
      std::lock_guard relock(mu_);
      next_due_ = now + tick();
    } catch (const std::exception& e) {
      log::error("worker dispatch failed", {{"error", e.what()}});
      std::lock_guard relock(mu_);
      next_due_ = now + tick();
    }
    lock.lock();
  }
}

void Worker::claim_for_idle_executors(TimePoint now) {
  // Read first: only write (claim) when something is due.
  const auto due = store_.read([](store::Connection& db) { return store::next_due_at(db); });
  if (!due || *due > now) {
    std::lock_guard lock(mu_);
    // Look again within a tick even when nothing is due: another process
    // (`shopd jobs retry`) can make a job due without waking this one.
    next_due_ = due ? std::min(*due, now + tick()) : now + tick();
    return;
  }
  size_t want = 0;
  {
    std::lock_guard lock(mu_);
    want = std::min(free_slots(), kDispatchClaimBatch);
    reserved_ += want;
  }
  std::vector<store::Job> jobs;
  try {
    jobs = store_.writer().run_always([&](store::Tx& tx) {
      return store::claim_due(tx, now, static_cast<int>(want), owner_, config_.worker.lease_seconds);
    });
  } catch (...) {
    std::lock_guard lock(mu_);
    reserved_ -= want;
    throw;
  }
  {
    std::lock_guard lock(mu_);
    reserved_ -= want;
    const bool full = jobs.size() == want;
    queue_claimed(jobs);
    // A full batch means more may be due; look again as soon as there is room.
    if (full) wake_ = true;
    else next_due_ = now + tick();  // re-read soon: jobs may have become due meanwhile
  }
  exec_cv_.notify_all();
}

void Worker::run_and_claim_next(const store::Job& job, std::mt19937_64& rng) {
  size_t want = 0;
  bool reserved = false;
  std::vector<store::Job> claimed;
  // Runs in the write that records the job's outcome (on SQLite's writer
  // thread), which may run again (PostgreSQL retries a transaction that lost
  // a deadlock): the slots are reserved once, the claim is redone.
  const auto execution = executor_.execute(job, rng, [&](store::Tx& tx) {
    if (!reserved) {
      std::lock_guard lock(mu_);
      // This job's slot frees with this write; claim into it and any other
      // free one (nothing once stopping: what is claimed must be released).
      want = stopping_ ? 0 : std::min(free_slots() + 1, kExecutorClaimBatch);
      reserved_ += want;
      reserved = true;
    }
    claimed.clear();
    if (want > 0)
      claimed = store::claim_due(tx, clock_.now(), static_cast<int>(want), owner_, config_.worker.lease_seconds);
  });
  using Recorded = JobExecutor::Recorded;
  const Recorded recorded = execution.recorded;
  // Claims made in a write that did not commit are not ours to run.
  if (recorded != Recorded::Yes) claimed.clear();
  {
    std::lock_guard lock(mu_);
    reserved_ -= want;
    // Still ours (and still holding its slot): maintain() puts it back once
    // the database takes writes again, instead of leaving it to its lease.
    // Once stopping, stop() releases it with the rest.
    if (recorded == Recorded::StorageUnavailable && !stopping_) unrecorded_.push_back(job);
    else in_flight_ids_.erase(job.id);
    queue_claimed(claimed);
  }
  if (claimed.size() > 1) exec_cv_.notify_all();
}

void Worker::executor_loop() {
  // Background work yields the CPU to the receptionist: on a 2-core VPS a
  // burst of PDF rendering must not slow down the answers to storefronts.
  ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kExecutorNice);
  std::mt19937_64 rng(std::random_device{}());
  std::unique_lock lock(mu_);
  for (;;) {
    exec_cv_.wait(lock, [&] { return stopping_ || !ready_.empty(); });
    if (stopping_) break;  // jobs still in ready_ are released by stop()
    store::Job job = std::move(ready_.front());
    ready_.pop_front();
    ++executing_;
    lock.unlock();
    run_and_claim_next(job, rng);
    lock.lock();
    --executing_;
    dispatch_cv_.notify_one();
    idle_cv_.notify_all();
  }
  ++exited_executors_;
  idle_cv_.notify_all();
}

void Worker::maintain(TimePoint now) {
  executor_.end_settled_outages();
  std::string ids;
  {
    std::lock_guard lock(mu_);
    if (!in_flight_ids_.empty()) ids = nlohmann::json(in_flight_ids_).dump();
  }
  if (!ids.empty())
    store_.writer().run_always([&](store::Tx& tx) {
      store::extend_leases(tx, owner_, ids, now, config_.worker.lease_seconds);
    });
  requeue_unrecorded(now);
  rescue_abandoned(store_, owner_, now, /*others_are_gone=*/false);
  if (now >= next_prune_) {
    prune_old_rows(store_, config_.retention, now);
    next_prune_ = now + kPruneInterval;
  }
}

void Worker::requeue_unrecorded(TimePoint now) {
  std::vector<store::Job> jobs;
  {
    std::lock_guard lock(mu_);
    jobs.swap(unrecorded_);
  }
  if (jobs.empty()) return;
  try {
    // One write for all: each goes back to retrying, due now, its attempt
    // given back (lease-guarded: a job rescued meanwhile is left alone).
    store_.writer().run_always([&](store::Tx& tx) {
      for (const auto& job : jobs) store::requeue_abandoned(tx, job, now);
    });
  } catch (...) {
    std::lock_guard lock(mu_);
    unrecorded_.insert(unrecorded_.end(), jobs.begin(), jobs.end());
    throw;
  }
  {
    std::lock_guard lock(mu_);
    for (const auto& job : jobs) in_flight_ids_.erase(job.id);
  }
  log::info("jobs whose outcome the database refused run again", {{"jobs", jobs.size()}});
}

bool Worker::stop(std::chrono::milliseconds grace) {
  if (!dispatcher_.joinable()) return true;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    // Claimed but not started: nothing ran, they go back with the release below.
    ready_.clear();
  }
  dispatch_cv_.notify_all();
  exec_cv_.notify_all();
  dispatcher_.join();

  std::unique_lock lock(mu_);
  const bool finished = idle_cv_.wait_for(lock, grace, [&] { return executing_ == 0; });
  if (!finished) {
    log::warn("shutdown deadline reached, cancelling running jobs", {{"running", executing_}});
    cancel_.request();
    idle_cv_.wait_for(lock, std::chrono::seconds(2), [&] { return executing_ == 0; });
  }
  const size_t stuck = executing_;
  lock.unlock();

  int released = 0;
  try {
    released = store_.writer().run_always([&](store::Tx& tx) { return store::release_owned(tx, owner_, clock_.now()); });
  } catch (const std::exception& e) {
    log::error("could not release jobs at shutdown; they run again after their lease", {{"error", e.what()}});
  }

  lock.lock();
  idle_cv_.wait_for(lock, std::chrono::seconds(1), [&] { return exited_executors_ + stuck >= executors_.size(); });
  const bool all_exited = exited_executors_ == executors_.size();
  lock.unlock();
  for (pthread_t t : executors_) {
    if (all_exited) pthread_join(t, nullptr);
    else pthread_detach(t);
  }
  executors_.clear();
  log::info("worker stopped", {{"released", released}, {"stuck", stuck}});
  return all_exited;
}

}  // namespace shopd
