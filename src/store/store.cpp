#include "store/store.h"

#include "store/postgres/backend.h"
#include "store/postgres/connection.h"
#include "store/sqlite/backend.h"
#include "store/sqlite/connection.h"

namespace shopd::store {

namespace {

std::unique_ptr<Backend> open_backend(const StoreOptions& options) {
  if (!options.url.empty()) return std::make_unique<PgBackend>(options);
  return std::make_unique<SqliteBackend>(options);
}

}  // namespace

Store::Store(const StoreOptions& options) : options_(options), backend_(open_backend(options_)) {}

Store::~Store() = default;

std::unique_ptr<Connection> open_for_inspection(const StoreOptions& options) {
  if (!options.url.empty()) return std::make_unique<PgConnection>(options.url);
  if (!std::filesystem::exists(options.path)) return nullptr;
  return std::make_unique<SqliteConnection>(options.path, SqliteConnection::Mode::ReadOnly, options.busy_timeout_ms);
}

std::string database_label(const StoreOptions& options) {
  return options.url.empty() ? options.path.string() : redact_database_url(options.url);
}

}  // namespace shopd::store
