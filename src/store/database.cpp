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
        throw std::logic_error("schema.sql: migrations must be numbered 1, 2, 3 ...");
      out.push_back({version, ""});
    } else if (!out.empty()) {
      out.back().sql.append(line).push_back('\n');
    }
    line_start = line_end + 1;
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
  if (have == latest_schema_version()) return;
  // Foreign keys off while tables are rebuilt (SQLite's documented way to
  // change a table's constraints); checked before each migration commits.
  // The pragma is a no-op inside a transaction, hence out here.
  conn.exec("PRAGMA foreign_keys = OFF");
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

int schema_version(Connection& conn) {
  auto q = conn.query("PRAGMA user_version");
  q.step();
  return static_cast<int>(q.int64(0));
}

void ping(Connection& conn) { conn.query("SELECT 1").step(); }

std::string integrity_check(Connection& conn) {
  auto q = conn.query("PRAGMA integrity_check");
  q.step();
  return q.text(0);
}

}  // namespace shopd::store
