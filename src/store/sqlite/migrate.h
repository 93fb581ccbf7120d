// Bringing a SQLite file's schema up to date (store/database.h): the
// sections of schema.sql newer than the file's PRAGMA user_version, each in
// its own BEGIN IMMEDIATE transaction.
#pragma once

#include "store/sqlite/connection.h"

namespace shopd::store {

// Runs the migrations the database has not seen. Throws std::runtime_error
// when the database is newer than this binary. Safe when another process
// migrates at the same time (it waits for the file's write lock, then finds
// the work done).
void migrate(SqliteConnection& conn);

}  // namespace shopd::store
