#include "store/postgres/migrate.h"

#include "core/time.h"
#include "store/database.h"

namespace shopd::store {

namespace {

// PostgreSQL's equivalent of PRAGMA user_version: one row per migration
// that ran. Bookkeeping of the migrations themselves, so it cannot be one.
constexpr const char* kCreateVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint PRIMARY KEY, applied_at text NOT NULL)";
constexpr const char* kRecordMigration = "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)";
// Held (for the session) while migrating, so that nodes starting together
// migrate one after the other; the second finds the work done.
constexpr const char* kLockMigrations = "SELECT pg_advisory_lock(1936682083)";
constexpr const char* kUnlockMigrations = "SELECT pg_advisory_unlock(1936682083)";

}  // namespace

void migrate(PgConnection& conn) {
  conn.exec(kLockMigrations);
  try {
    conn.exec(kCreateVersionTable);
    const int have = schema_version(conn);
    refuse_newer_schema(have);
    for (const auto& m : migrations(Dialect::Postgres)) {
      if (m.version <= have) continue;
      conn.exec("BEGIN");
      try {
        conn.exec(m.sql.c_str());
        conn.query(kRecordMigration).bind(m.version, format_iso(SystemClock().now())).exec();
        conn.exec("COMMIT");
      } catch (...) {
        try { conn.exec("ROLLBACK"); } catch (...) {}
        throw;
      }
    }
  } catch (...) {
    try { conn.exec(kUnlockMigrations); } catch (...) {}
    throw;
  }
  conn.exec(kUnlockMigrations);
}

}  // namespace shopd::store
