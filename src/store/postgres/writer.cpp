#include "store/postgres/writer.h"

#include <chrono>
#include <random>
#include <thread>

#include "obs/log.h"

namespace shopd::store {

namespace {

constexpr const char* kChannel = "shopd_jobs";
constexpr const char* kNotify = "SELECT pg_notify('shopd_jobs', ?1)";

// Random, growing pauses between tries: two transactions that deadlocked
// should not meet again at the same instant.
void pause_before_retry(int tried) {
  thread_local std::mt19937 rng(std::random_device{}());
  const int ceiling_ms = std::min(200, 2 << std::min(tried, 7));
  std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(1, ceiling_ms)(rng)));
}

}  // namespace

PgWriter::PgWriter(PgPool& pool, std::string url, size_t max_queued, std::string node_id)
    : pool_(pool), url_(std::move(url)), max_queued_(max_queued), node_id_(std::move(node_id)) {}

PgWriter::~PgWriter() {
  stop();
  set_on_jobs_enqueued(nullptr);
}

void PgWriter::set_on_jobs_enqueued(std::function<void()> hook) {
  std::unique_ptr<PgListener> old;
  {
    std::lock_guard lock(mu_);
    on_jobs_enqueued_ = std::move(hook);
    if (!on_jobs_enqueued_) old = std::move(listener_);
  }
  old.reset();  // joins its thread, outside the lock (it calls wake_worker)
  std::lock_guard lock(mu_);
  if (on_jobs_enqueued_ && !listener_)
    listener_ = std::make_unique<PgListener>(url_, kChannel, node_id_, [this] { wake_worker(); });
}

void PgWriter::wake_worker() {
  std::function<void()> hook;
  {
    std::lock_guard lock(mu_);
    hook = on_jobs_enqueued_;
  }
  if (hook) hook();
}

void PgWriter::throw_unavailable(const DatabaseError& e) {
  unavailable_.failed({{"error", e.what()}, {"sqlstate", e.sqlstate}});
  throw StorageUnavailable(e.what());
}

bool PgWriter::available() const {
  unavailable_.end_if_settled();
  return !unavailable_.ongoing();
}

bool PgWriter::listening() const {
  std::lock_guard lock(mu_);
  return listener_ != nullptr;
}

void PgWriter::announce() {
  std::lock_guard lock(mu_);
  if (listener_) listener_->announce();
}

void PgWriter::stop() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  idle_cv_.wait(lock, [&] { return active_ == 0; });
}

size_t PgWriter::queued() const {
  std::lock_guard lock(mu_);
  return waiting_requests_ + waiting_background_;
}

uint64_t PgWriter::commits() const {
  std::lock_guard lock(mu_);
  return commits_;
}

void PgWriter::submit_and_wait(const std::function<void(Tx&)>& body, bool is_request) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) throw WriterStopped();
    if (is_request && waiting_requests_ >= max_queued_) throw WriterOverloaded();
    ++active_;
    ++(is_request ? waiting_requests_ : waiting_background_);
  }
  struct Done {
    PgWriter& w;
    bool waiting;
    bool is_request;
    ~Done() {
      std::lock_guard lock(w.mu_);
      if (waiting) --(is_request ? w.waiting_requests_ : w.waiting_background_);
      --w.active_;
      w.idle_cv_.notify_all();
    }
  } done{*this, true, is_request};

  const size_t limit = is_request ? pool_.size() : pool_.size() - std::max<size_t>(1, pool_.size() / 4);
  std::unique_ptr<PgConnection> conn;
  try {
    conn = pool_.take(limit);
  } catch (const DatabaseError& e) {
    throw_unavailable(e);
  }
  {
    std::lock_guard lock(mu_);
    --(is_request ? waiting_requests_ : waiting_background_);
    done.waiting = false;
  }
  struct GiveBack {
    PgPool& pool;
    std::unique_ptr<PgConnection>& conn;
    ~GiveBack() { pool.give_back(std::move(conn)); }
  } give_back{pool_, conn};

  for (int tried = 1;; ++tried) {
    try {
      const bool enqueued = run_once(*conn, body);
      {
        std::lock_guard lock(mu_);
        ++commits_;
      }
      unavailable_.succeeded();
      if (enqueued) {
        wake_worker();
        announce();
      }
      return;
    } catch (const DatabaseError& e) {
      if (is_storage_sqlstate(e.sqlstate) || !conn->usable()) throw_unavailable(e);
      if (!is_retryable_sqlstate(e.sqlstate) || tried >= kMaxTries) throw;
      log::debug("transaction retried", {{"sqlstate", e.sqlstate}, {"try", tried}});
      pause_before_retry(tried);
    }
  }
}

bool PgWriter::run_once(PgConnection& conn, const std::function<void(Tx&)>& body) {
  Tx tx(conn);
  conn.exec("BEGIN");
  try {
    body(tx);
    if (tx.rolled_back()) {
      conn.exec("ROLLBACK");
      return false;
    }
    // A process without a listener (the CLI) notifies in the transaction:
    // delivered only if (and when) it commits. A server announces after the
    // commit, through its listener (listener.h says why).
    if (tx.jobs_enqueued() && !listening()) conn.query(kNotify).bind(node_id_).step();
    conn.exec("COMMIT");
  } catch (...) {
    if (conn.usable()) {
      try { conn.exec("ROLLBACK"); } catch (...) {}
    }
    throw;
  }
  for (auto& fn : tx.take_after_commit()) {
    try { fn(); } catch (...) {}
  }
  return tx.jobs_enqueued();
}

}  // namespace shopd::store
