// Writes to a PostgreSQL shop: each run() is its own transaction on a
// pooled connection, on the caller's thread. Several threads and several
// shopd processes write at once; what the SQLite writer gets from running
// alone, the statements get here from row locks (guarded UPDATEs, FOR UPDATE,
// FOR UPDATE SKIP LOCKED for claims, the invoice counter row).
//
// Isolation is READ COMMITTED. A transaction that fails with a serialization
// failure or a deadlock (40001, 40P01) is rolled back and its function run
// again, up to kMaxTries times with a short random pause, so callers never see
// those errors; any other error reaches the caller. A broken connection is
// not retried: whether its COMMIT landed is unknown.
//
// Wake-ups: after a transaction that enqueued jobs commits, this process's
// worker is woken directly, and other processes' through NOTIFY shopd_jobs
// (with this process's id), which a server sends from its PgListener and
// the CLI inside its transaction. The worker's own polling is the fallback
// when a notification is missed.
//
// Storage trouble (is_storage_sqlstate: the server unreachable, out of
// disk, read-only, shutting down) reaches callers as StorageUnavailable and
// is logged once per episode, like SQLite's writer does.
//
// Request-path writes may use every connection of the write pool;
// background writes leave a quarter of it (at least one) to requests.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "obs/episode.h"
#include "store/postgres/listener.h"
#include "store/postgres/pool.h"
#include "store/writer.h"

namespace shopd::store {

class PgWriter final : public Writer {
 public:
  static constexpr int kMaxTries = 20;

  PgWriter(PgPool& pool, std::string url, size_t max_queued, std::string node_id);
  ~PgWriter() override;

  // Also starts listening for other processes' notifications (and stops
  // when the hook is cleared): only a server needs to be woken.
  void set_on_jobs_enqueued(std::function<void()> hook) override;
  void stop() override;
  size_t queued() const override;
  uint64_t commits() const override;
  bool available() const override;
  uint64_t failed_writes() const override { return unavailable_.failures_total(); }

 protected:
  void submit_and_wait(const std::function<void(Tx&)>& body, bool is_request) override;

 private:
  // One transaction; returns whether it enqueued jobs (and committed).
  bool run_once(PgConnection& conn, const std::function<void(Tx&)>& body);
  void wake_worker();
  bool listening() const;
  // Records the episode and throws StorageUnavailable.
  [[noreturn]] void throw_unavailable(const DatabaseError& e);
  void announce();  // through the listener, if there is one

  PgPool& pool_;
  const std::string url_;
  const size_t max_queued_;
  const std::string node_id_;
  mutable std::mutex mu_;
  std::condition_variable idle_cv_;
  size_t waiting_requests_ = 0;
  size_t waiting_background_ = 0;
  size_t active_ = 0;
  bool stopping_ = false;
  uint64_t commits_ = 0;
  std::function<void()> on_jobs_enqueued_;
  std::unique_ptr<PgListener> listener_;
  // Ended by the next successful commit once settled; available() also ends
  // it, so an idle node says it recovered when asked (/readyz, /metrics).
  mutable Episode unavailable_{{log::Level::error, "database unavailable", "database available again"}};
};

}  // namespace shopd::store
