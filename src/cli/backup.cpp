// `shopd backup PATH`: a consistent copy of the live database, taken with
// SQLite's online backup API from a read transaction (a WAL snapshot), so the
// server keeps taking orders meanwhile. The copy is written next to PATH and
// renamed into place only after it passed PRAGMA integrity_check.
#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/Database.h>

#include <iostream>

#include "cli/cli.h"
#include "cli/common.h"
#include "store/connection.h"

namespace shopd::cli {

int backup(const std::filesystem::path& config_path, const std::filesystem::path& destination) {
  const auto config = load_config_or_report(config_path, Secrets::NotNeeded);
  if (!config) return 2;
  if (!std::filesystem::exists(config->database.path)) {
    std::cerr << "shopd: no database at " << config->database.path.string() << "\n";
    return 1;
  }
  const auto tmp = destination.string() + ".partial";
  try {
    std::filesystem::remove(tmp);
    {
      store::Connection source(config->database.path, store::Connection::Mode::ReadOnly,
                               config->database.busy_timeout_ms);
      SQLite::Database target(tmp, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      SQLite::Backup copy(target, source.raw());
      copy.executeStep(-1);  // all pages in one step: one snapshot
    }
    std::string verdict;
    int64_t orders = 0;
    {
      store::Connection check(tmp, store::Connection::Mode::ReadWrite, config->database.busy_timeout_ms);
      check.exec("PRAGMA journal_mode = DELETE");  // a backup is one self-contained file
      auto q = check.query("PRAGMA integrity_check");
      q.step();
      verdict = q.text(0);
      auto count = check.query("SELECT count(*) FROM orders");
      count.step();
      orders = count.int64(0);
    }
    if (verdict != "ok") {
      std::filesystem::remove(tmp);
      std::cerr << "shopd: the copy failed its integrity check: " << verdict << "\n";
      return 1;
    }
    std::filesystem::rename(tmp, destination);
    std::cout << "backup written to " << destination.string() << " (" << std::filesystem::file_size(destination)
              << " bytes, " << orders << " orders, integrity ok)\n";
  } catch (const std::exception& e) {
    std::filesystem::remove(tmp);
    std::cerr << "shopd: backup failed: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace shopd::cli
