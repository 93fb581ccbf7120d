#include "store/sqlite/backend.h"

#include "core/files.h"
#include "obs/episode.h"
#include "obs/log.h"
#include "store/sqlite/migrate.h"

namespace shopd::store {

namespace {

constexpr auto kCheckpointInterval = std::chrono::milliseconds(500);

}  // namespace

SqliteBackend::SqliteBackend(const StoreOptions& options) : options_(options) {
  if (options_.path.has_parent_path()) create_private_directories(options_.path.parent_path());
  auto conn = std::make_unique<SqliteConnection>(options_.path, SqliteConnection::Mode::ReadWrite,
                                                 options_.busy_timeout_ms, options_.synchronous);
  migrate(*conn);
  conn->exec("PRAGMA wal_autocheckpoint = 0");  // checkpoint_loop does it
  writer_ = std::make_unique<SqliteWriter>(std::move(conn), options_.max_queued_writes,
                                           std::chrono::milliseconds(options_.busy_timeout_ms));
  checkpointer_ = std::thread([this] { checkpoint_loop(); });
}

SqliteBackend::~SqliteBackend() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  checkpointer_.join();
  writer_->stop();
}

int64_t SqliteBackend::memory_bytes() const { return sqlite_memory_used(); }

void SqliteBackend::checkpoint_loop() {
  // PASSIVE: copies what no reader still needs, without waiting for or
  // blocking anyone; the writer keeps committing meanwhile.
  SqliteConnection conn(options_.path, SqliteConnection::Mode::ReadWrite, options_.busy_timeout_ms,
                        options_.synchronous);
  // On a full disk every checkpoint fails until space comes back: one line
  // then, not two a second.
  Episode failing({log::Level::warn, "database checkpoint failing; will keep trying", "database checkpoint works again"});
  std::unique_lock lock(mu_);
  while (!stop_cv_.wait_for(lock, kCheckpointInterval, [&] { return stopping_; })) {
    lock.unlock();
    try {
      conn.exec("PRAGMA wal_checkpoint(PASSIVE)");
      failing.succeeded();
    } catch (const std::exception& e) {
      failing.failed({{"error", e.what()}});
    }
    lock.lock();
  }
}

std::unique_ptr<Connection> SqliteBackend::take_reader() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !idle_readers_.empty() || readers_open_ < options_.readers; });
  if (!idle_readers_.empty()) {
    auto conn = std::move(idle_readers_.back());
    idle_readers_.pop_back();
    return conn;
  }
  ++readers_open_;
  lock.unlock();
  try {
    return std::make_unique<SqliteConnection>(options_.path, SqliteConnection::Mode::ReadOnly,
                                              options_.busy_timeout_ms);
  } catch (...) {
    std::lock_guard relock(mu_);
    --readers_open_;
    cv_.notify_one();
    throw;
  }
}

void SqliteBackend::give_back(std::unique_ptr<Connection> conn) {
  {
    std::lock_guard lock(mu_);
    idle_readers_.push_back(std::move(conn));
  }
  cv_.notify_one();
}

}  // namespace shopd::store
