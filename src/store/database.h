// The schema's versions, and what `shopd check` asks of a database.
//
// Each engine's schema lives in its own file, compiled in: schema.sql
// (SQLite) and schema_postgres.sql (PostgreSQL), each a list of
// "-- migration: N" sections numbered the same way, so that version N means
// the same tables on both. Each engine's migrate() (sqlite/migrate.h,
// postgres/migrate.h) runs the sections newer than the database's version,
// each in its own transaction, so a crash mid-upgrade leaves the database at
// the last complete version. SQLite keeps its version in PRAGMA
// user_version, PostgreSQL in the table schema_migrations.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/connection.h"

namespace shopd::store {

struct Migration {
  int version;
  std::string sql;
};

// The sections of the compiled-in schema file of one engine, in order.
const std::vector<Migration>& migrations(Dialect dialect);
// The newest schema version this binary knows (the same for both engines).
int latest_schema_version();

// Throws std::runtime_error, saying to upgrade shopd, when a database at
// version `have` is newer than this binary.
void refuse_newer_schema(int have);

// The database's schema version (0: empty).
int schema_version(Connection& conn);
// A trivial statement: on the writer's connection it proves the write lock
// can be taken. (Connection::rewrite_header() proves the disk takes writes.)
void ping(Connection& conn);

std::vector<Migration> split_migrations(const std::string& schema_sql);

}  // namespace shopd::store
