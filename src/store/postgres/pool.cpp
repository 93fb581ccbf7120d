#include "store/postgres/pool.h"

namespace shopd::store {

PgPool::PgPool(std::string url, size_t size) : url_(std::move(url)), size_(size == 0 ? 1 : size) {}

std::unique_ptr<PgConnection> PgPool::take(size_t limit) {
  limit = std::max<size_t>(1, std::min(limit, size_));
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return out_ < limit; });
  ++out_;
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    return conn;
  }
  lock.unlock();
  try {
    return std::make_unique<PgConnection>(url_);
  } catch (...) {
    std::lock_guard relock(mu_);
    --out_;
    cv_.notify_all();
    throw;
  }
}

void PgPool::give_back(std::unique_ptr<PgConnection> conn) {
  {
    std::lock_guard lock(mu_);
    --out_;
    if (conn && conn->usable()) idle_.push_back(std::move(conn));
  }
  // Callers wait for different limits: wake them all, each checks its own.
  cv_.notify_all();
  // A broken connection is closed here, outside the lock.
}

}  // namespace shopd::store
