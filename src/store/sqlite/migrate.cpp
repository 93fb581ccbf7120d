#include "store/sqlite/migrate.h"

#include <stdexcept>
#include <string>

#include "store/database.h"

namespace shopd::store {

namespace {

int read_user_version(SqliteConnection& conn) {
  auto q = conn.query("PRAGMA user_version");
  q.step();
  return static_cast<int>(q.int64(0));
}

}  // namespace

void migrate(SqliteConnection& conn) {
  const int have = read_user_version(conn);
  refuse_newer_schema(have);
  if (have == latest_schema_version()) return;
  // Foreign keys off while tables are rebuilt (SQLite's documented way to
  // change a table's constraints); checked before each migration commits.
  // The pragma is a no-op inside a transaction, hence out here.
  conn.exec("PRAGMA foreign_keys = OFF");
  for (const auto& m : migrations(Dialect::Sqlite)) {
    if (m.version <= have) continue;
    conn.exec("BEGIN IMMEDIATE");
    try {
      // Another process may have migrated while we waited for the lock.
      if (read_user_version(conn) >= m.version) {
        conn.exec("COMMIT");
        continue;
      }
      conn.raw().exec(m.sql);
      if (conn.query("PRAGMA foreign_key_check").step())
        throw std::runtime_error("migration " + std::to_string(m.version) + " broke a foreign key");
      // PRAGMA takes no bound parameters; the version is our own integer.
      conn.raw().exec("PRAGMA user_version = " + std::to_string(m.version));
      conn.exec("COMMIT");
    } catch (...) {
      conn.exec("ROLLBACK");
      conn.exec("PRAGMA foreign_keys = ON");
      throw;
    }
  }
  conn.exec("PRAGMA foreign_keys = ON");
}

}  // namespace shopd::store
