#include "store/store.h"

#include <unistd.h>

#include "store/postgres/engine.h"
#include "store/sqlite/engine.h"

namespace shopd::store {

ServerLock ServerLock::not_needed() {
  ServerLock lock;
  lock.held_ = true;
  return lock;
}

ServerLock::~ServerLock() {
  if (fd_ >= 0) ::close(fd_);
}

std::unique_ptr<Engine> engine_for(const StoreOptions& options) {
  if (!options.url.empty()) return std::make_unique<PgEngine>(options);
  return std::make_unique<SqliteEngine>(options);
}

Store::Store(const StoreOptions& options) : options_(options), backend_(engine_for(options_)->open()) {}

Store::~Store() = default;

std::string database_label(const StoreOptions& options) { return engine_for(options)->label(); }

}  // namespace shopd::store
