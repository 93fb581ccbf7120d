#include "store/database.h"

#include <stdexcept>

namespace shopd::store {

namespace {

constexpr const char* kSchemaSql =
#include "schema_sql.inc"
    ;

constexpr std::string_view kMarker = "-- migration: ";

}  // namespace

std::vector<Migration> split_migrations(const std::string& schema_sql) {
  std::vector<Migration> out;
  size_t pos = schema_sql.find(kMarker);
  while (pos != std::string::npos) {
    const size_t num_start = pos + kMarker.size();
    const size_t line_end = schema_sql.find('\n', num_start);
    const int version = std::stoi(schema_sql.substr(num_start, line_end - num_start));
    const size_t next = schema_sql.find(kMarker, line_end);
    const size_t body_end = next == std::string::npos ? schema_sql.size() : next;
    out.push_back({version, schema_sql.substr(line_end, body_end - line_end)});
    if (out.size() > 1 && out[out.size() - 2].version + 1 != version)
      throw std::logic_error("schema.sql: migrations must be numbered 1, 2, 3 ...");
    pos = next;
  }
  return out;
}

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = split_migrations(kSchemaSql);
  return all;
}

int latest_schema_version() { return migrations().empty() ? 0 : migrations().back().version; }

void migrate(Connection& conn) {
  auto current = [&] {
    auto q = conn.query("PRAGMA user_version");
    q.step();
    return static_cast<int>(q.int64(0));
  };
  const int have = current();
  if (have > latest_schema_version())
    throw std::runtime_error("database schema version " + std::to_string(have) +
                             " is newer than this shopd understands (" +
                             std::to_string(latest_schema_version()) + "); upgrade shopd");
  for (const auto& m : migrations()) {
    if (m.version <= have) continue;
    conn.exec("BEGIN IMMEDIATE");
    try {
      // Another process may have migrated while we waited for the lock.
      if (current() >= m.version) {
        conn.exec("COMMIT");
        continue;
      }
      conn.raw().exec(m.sql);
      // PRAGMA takes no bound parameters; the version is our own integer.
      conn.raw().exec("PRAGMA user_version = " + std::to_string(m.version));
      conn.exec("COMMIT");
    } catch (...) {
      conn.exec("ROLLBACK");
      throw;
    }
  }
}

}  // namespace shopd::store
