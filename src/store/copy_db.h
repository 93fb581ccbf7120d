// Moving a SQLite shop onto PostgreSQL (`shopd copy-db --to URL`, SPEC
// section 7): every row of every shop table, as it is (orders, items, the
// stock ledger, jobs in their states with their attempts, invoices with
// their PDFs, idempotency keys, alerts, stock), into an empty PostgreSQL
// database migrated to the same schema version.
//
// The copy is one PostgreSQL transaction: it either lands whole or leaves
// the target as empty as it found it, so after any failure (a dropped
// connection, a full disk, a kill) the same command simply runs again. A
// target that already holds shop data is refused, and so is a second copy
// running into the same target at the same time (it waits for the first,
// then finds the data). The PostgreSQL invoice counter is set to the last
// number copied, so numbering continues without a gap.
//
// The source is read in one read transaction (one snapshot); the caller
// makes sure no server writes to it meanwhile (cli/copy_db.cpp takes the
// server's lock file).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace shopd::store {

struct CopiedTable {
  std::string name;
  int64_t rows = 0;
};

// Throws std::runtime_error naming the problem: the source is missing, the
// target holds data, the schemas differ, or a statement failed (then
// nothing was written).
std::vector<CopiedTable> copy_sqlite_to_postgres(const std::filesystem::path& sqlite_path,
                                                 const std::string& postgres_url, int busy_timeout_ms);

}  // namespace shopd::store
