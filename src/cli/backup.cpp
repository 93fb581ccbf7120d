// `shopd backup PATH`: a consistent copy of the live database while the
// server keeps running (the engine's backup: SQLite's online backup API). It
// holds the whole shop, invoices included. A shop on PostgreSQL is backed up
// with pg_dump, which the engine says.
#include <iostream>

#include "cli/cli.h"
#include "cli/common.h"
#include "store/store.h"

namespace shopd::cli {

int backup(const std::filesystem::path& config_path, const std::filesystem::path& destination) {
  const auto config = load_config_or_report(config_path, Secrets::NotNeeded);
  if (!config) return 2;
  try {
    const auto copy = store::engine_for(store_options(*config))->backup(destination);
    std::cout << "backup written to " << destination.string() << " (" << copy.bytes << " bytes, " << copy.orders
              << " orders, integrity ok)\n";
  } catch (const store::NotOnThisEngine& e) {
    std::cerr << "shopd: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "shopd: backup failed: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace shopd::cli
