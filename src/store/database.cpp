#include "store/database.h"

#include <stdexcept>

#include "core/time.h"
#include "store/postgres/connection.h"
#include "store/sqlite/connection.h"

namespace shopd::store {

namespace {

constexpr const char* kSqliteSchema =
#include "schema_sql.inc"
    ;

constexpr const char* kPostgresSchema =
#include "schema_postgres_sql.inc"
    ;

constexpr std::string_view kMarker = "-- migration: ";

constexpr Sql kSchemaVersion{
    .sqlite = "PRAGMA user_version",
    .postgres = "SELECT coalesce(max(version), 0) FROM schema_migrations",
};
// Whether the version table exists yet (an empty PostgreSQL database has none).
constexpr Sql kHasVersionTable{
    .sqlite = "SELECT 1",
    .postgres = "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'schema_migrations' "
                "AND schemaname = current_schema()",
};

// PostgreSQL's equivalent of PRAGMA user_version: one row per migration
// that ran. Bookkeeping of the migrations themselves, so it cannot be one.
constexpr const char* kCreateVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint PRIMARY KEY, applied_at text NOT NULL)";
constexpr const char* kRecordMigration = "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)";
// Held (for the session) while migrating, so that nodes starting together
// migrate one after the other; the second finds the work done.
constexpr const char* kLockMigrations = "SELECT pg_advisory_lock(1936682083)";
constexpr const char* kUnlockMigrations = "SELECT pg_advisory_unlock(1936682083)";

int read_user_version(SqliteConnection& conn) {
  auto q = conn.query("PRAGMA user_version");
  q.step();
  return static_cast<int>(q.int64(0));
}

}  // namespace

std::vector<Migration> split_migrations(const std::string& schema_sql) {
  // A section starts at a line that is exactly "-- migration: <number>";
  // text before the first one (the file's header comment) belongs to none.
  std::vector<Migration> out;
  size_t line_start = 0;
  while (line_start < schema_sql.size()) {
    size_t line_end = schema_sql.find('\n', line_start);
    if (line_end == std::string::npos) line_end = schema_sql.size();
    const std::string_view line(schema_sql.data() + line_start, line_end - line_start);
    const auto digits = line.substr(std::min(line.size(), kMarker.size()));
    const bool is_marker = line.substr(0, kMarker.size()) == kMarker && !digits.empty() &&
                           digits.find_first_not_of("0123456789") == std::string_view::npos;
    if (is_marker) {
      const int version = std::stoi(std::string(digits));
      if (version != static_cast<int>(out.size()) + 1)
        throw std::logic_error("schema: migrations must be numbered 1, 2, 3 ...");
      out.push_back({version, ""});
    } else if (!out.empty()) {
      out.back().sql.append(line).push_back('\n');
    }
    line_start = line_end + 1;
  }
  return out;
}

const std::vector<Migration>& migrations(Dialect dialect) {
  static const std::vector<Migration> sqlite = split_migrations(kSqliteSchema);
  static const std::vector<Migration> postgres = split_migrations(kPostgresSchema);
  return dialect == Dialect::Sqlite ? sqlite : postgres;
}

int latest_schema_version() {
  const auto& all = migrations(Dialect::Sqlite);
  if (all.size() != migrations(Dialect::Postgres).size())
    throw std::logic_error("schema.sql and schema_postgres.sql must have the same migrations");
  return all.empty() ? 0 : all.back().version;
}

void migrate(SqliteConnection& conn) {
  const int have = read_user_version(conn);
  if (have > latest_schema_version())
    throw std::runtime_error("database schema version " + std::to_string(have) +
                             " is newer than this shopd understands (" +
                             std::to_string(latest_schema_version()) + "); upgrade shopd");
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

void migrate(PgConnection& conn) {
  conn.exec(kLockMigrations);
  try {
    conn.exec(kCreateVersionTable);
    const int have = schema_version(conn);
    if (have > latest_schema_version())
      throw std::runtime_error("database schema version " + std::to_string(have) +
                               " is newer than this shopd understands (" +
                               std::to_string(latest_schema_version()) + "); upgrade shopd");
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

int schema_version(Connection& conn) {
  {
    auto has = conn.query(kHasVersionTable);
    if (!has.step() || has.int64(0) == 0) return 0;
  }
  auto q = conn.query(kSchemaVersion);
  q.step();
  return static_cast<int>(q.int64(0));
}

void ping(Connection& conn) { conn.query("SELECT 1").step(); }

void rewrite_header(Connection& conn) {
  if (conn.dialect() == Dialect::Postgres) {
    // Takes a transaction id: the commit then writes (and flushes) a WAL record.
    conn.query("SELECT txid_current()").step();
    return;
  }
  // PRAGMA takes no bound parameters; the version is the file's own integer.
  static_cast<SqliteConnection&>(conn).raw().exec("PRAGMA user_version = " + std::to_string(schema_version(conn)));
}

std::optional<std::string> integrity_check(Connection& conn) {
  if (conn.dialect() != Dialect::Sqlite) return std::nullopt;
  auto q = conn.query("PRAGMA integrity_check");
  q.step();
  return q.text(0);
}

}  // namespace shopd::store
