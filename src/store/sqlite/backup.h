// A consistent copy of a live SQLite database: SQLite's online backup API,
// all pages in one step from one read snapshot, so the server keeps taking
// orders meanwhile. The copy is written to `destination + ".partial"`, made a
// self-contained file (journal_mode DELETE), checked with PRAGMA
// integrity_check, and renamed into place only when it passed. The copy is
// owner-only (0600, or 0640 in a setgid folder: core/files.h).
#pragma once

#include <filesystem>

#include "store/store.h"

namespace shopd::store {

// Throws std::runtime_error (the partial copy is removed) when the copy fails
// or does not pass the integrity check.
BackupResult backup_database(const std::filesystem::path& source, const std::filesystem::path& destination,
                             int busy_timeout_ms);

}  // namespace shopd::store
