// `shopd backup PATH`: a consistent copy of the live database while the
// server keeps running (store/backup.h). It holds the whole shop, invoices
// included.
#include <iostream>

#include "cli/cli.h"
#include "cli/common.h"
#include "store/backup.h"

namespace shopd::cli {

int backup(const std::filesystem::path& config_path, const std::filesystem::path& destination) {
  const auto config = load_config_or_report(config_path, Secrets::NotNeeded);
  if (!config) return 2;
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
