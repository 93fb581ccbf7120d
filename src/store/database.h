// Bringing a database's schema up to date, and what `shopd check` asks of it.
//
// Each engine's schema lives in its own file, compiled in: schema.sql
// (SQLite) and schema_postgres.sql (PostgreSQL), each a list of
// "-- migration: N" sections numbered the same way, so that version N means
// the same tables on both. migrate() runs the sections newer than the
// database's version, each in its own transaction, so a crash mid-upgrade
// leaves the database at the last complete version. SQLite keeps its
// version in PRAGMA user_version, PostgreSQL in the table schema_migrations.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/connection.h"

namespace shopd::store {

class PgConnection;
class SqliteConnection;

struct Migration {
  int version;
  std::string sql;
};

// The sections of the compiled-in schema file of one engine, in order.
const std::vector<Migration>& migrations(Dialect dialect);
// The newest schema version this binary knows (the same for both engines).
int latest_schema_version();

// Runs the migrations the database has not seen. Throws std::runtime_error
// when the database is newer than this binary. Safe when another process
// migrates at the same time (it waits for the other's lock).
void migrate(SqliteConnection& conn);
void migrate(PgConnection& conn);

// The database's schema version (0: empty).
int schema_version(Connection& conn);
// A trivial statement: on the writer's connection it proves the write lock can be taken.
void ping(Connection& conn);
// A write that reaches the disk and changes nothing: in the writer's
// transaction it proves the database takes writes, where an empty commit
// would succeed even on a full disk (SQLite: the header page again, with the
// same user_version; PostgreSQL: a transaction id, so the commit writes WAL).
void rewrite_header(Connection& conn);
// The engine's own check of its files: "ok" when sound (SQLite's PRAGMA
// integrity_check), nullopt when the engine has none to offer here
// (PostgreSQL checks its pages itself; pg_amcheck goes deeper).
std::optional<std::string> integrity_check(Connection& conn);

std::vector<Migration> split_migrations(const std::string& schema_sql);

}  // namespace shopd::store
