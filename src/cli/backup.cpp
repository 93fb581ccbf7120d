// `shopd backup PATH`: a consistent copy of the live SQLite database while
// the server keeps running (store/sqlite/backup.h). It holds the whole shop,
// invoices included. A shop on PostgreSQL is backed up with pg_dump.
#include <iostream>

#include "cli/cli.h"
#include "cli/common.h"
#include "store/sqlite/backup.h"
#include "store/store.h"

namespace shopd::cli {

int backup(const std::filesystem::path& config_path, const std::filesystem::path& destination) {
  const auto config = load_config_or_report(config_path, Secrets::NotNeeded);
  if (!config) return 2;
  if (!config->database.url.empty()) {
    // PostgreSQL has its own consistent online copy, which also restores
    // onto another server version: shopd does not wrap it.
    std::cerr << "shopd: backup copies a SQLite shop; this shop is on PostgreSQL ("
              << store::database_label(store_options(*config))
              << "): use pg_dump, e.g. pg_dump --format=custom --file=shop.dump '<database url>'\n";
    return 1;
  }
  try {
    const auto copy = store::backup_database(config->database.path, destination, config->database.busy_timeout_ms);
    std::cout << "backup written to " << destination.string() << " (" << copy.bytes << " bytes, " << copy.orders
              << " orders, integrity ok)\n";
  } catch (const std::exception& e) {
    std::cerr << "shopd: backup failed: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace shopd::cli
