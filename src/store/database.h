// Opening the database file and bringing its schema up to date.
//
// The schema lives in schema.sql (compiled in): a list of "-- migration: N"
// sections. migrate() runs the sections newer than PRAGMA user_version, each
// in its own transaction, so a crash mid-upgrade leaves the file at the last
// complete version.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "store/connection.h"

namespace shopd::store {

struct Migration {
  int version;
  std::string sql;
};

// The sections of the compiled-in schema.sql, in order.
const std::vector<Migration>& migrations();
int latest_schema_version();

// Creates the parent folder if needed, opens read-write, runs migrations.
// Throws std::runtime_error when the file is newer than this binary.
void migrate(Connection& conn);
// PRAGMA user_version: the schema version of the file.
int schema_version(Connection& conn);
// A trivial statement: on the writer's connection it proves the database is writable.
void ping(Connection& conn);
// PRAGMA integrity_check's first line: "ok" when the file is sound.
std::string integrity_check(Connection& conn);
std::vector<Migration> split_migrations(const std::string& schema_sql);

}  // namespace shopd::store
