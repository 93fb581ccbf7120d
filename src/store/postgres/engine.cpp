#include "store/postgres/engine.h"

#include "store/postgres/backend.h"
#include "store/postgres/connection.h"

namespace shopd::store {

std::string PgEngine::label() const { return redact_database_url(options_.url); }

std::unique_ptr<Connection> PgEngine::open_for_inspection() const {
  return std::make_unique<PgConnection>(options_.url);
}

BackupResult PgEngine::backup(const std::filesystem::path&) const {
  throw NotOnThisEngine("backup copies a SQLite shop; this shop is on PostgreSQL (" + label() +
                        "): use pg_dump, e.g. pg_dump --format=custom --file=shop.dump '<database url>'");
}

std::unique_ptr<Backend> PgEngine::open() const { return std::make_unique<PgBackend>(options_); }

}  // namespace shopd::store
