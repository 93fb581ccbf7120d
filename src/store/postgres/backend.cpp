#include "store/postgres/backend.h"

#include "core/uuid7.h"
#include "store/postgres/migrate.h"

namespace shopd::store {

PgBackend::PgBackend(const StoreOptions& options)
    : readers_(options.url, options.readers), writers_(options.url, options.writers) {
  {
    PgConnection conn(options.url);
    migrate(conn);
  }
  writer_ = std::make_unique<PgWriter>(writers_, options.url, options.max_queued_writes, new_uuid7());
}

PgBackend::~PgBackend() { writer_->stop(); }

std::unique_ptr<Connection> PgBackend::take_reader() { return readers_.take(); }

void PgBackend::give_back(std::unique_ptr<Connection> conn) {
  // Only PgConnections are handed out by take_reader().
  readers_.give_back(std::unique_ptr<PgConnection>(static_cast<PgConnection*>(conn.release())));
}

}  // namespace shopd::store
