// Bringing a PostgreSQL database's schema up to date (store/database.h):
// the sections of schema_postgres.sql newer than the highest version in
// schema_migrations, each in its own transaction.
#pragma once

#include "store/postgres/connection.h"

namespace shopd::store {

// Runs the migrations the database has not seen. Throws std::runtime_error
// when the database is newer than this binary. Safe when other nodes start
// at the same time: they migrate one after the other (an advisory lock), and
// the later ones find the work done.
void migrate(PgConnection& conn);

}  // namespace shopd::store
