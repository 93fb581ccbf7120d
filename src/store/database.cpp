#include "store/database.h"

#include <stdexcept>

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

void refuse_newer_schema(int have) {
  if (have > latest_schema_version())
    throw std::runtime_error("database schema version " + std::to_string(have) +
                             " is newer than this shopd understands (" +
                             std::to_string(latest_schema_version()) + "); upgrade shopd");
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

}  // namespace shopd::store
