// `shopd copy-db --to URL`: moves this SQLite shop onto PostgreSQL
// (store/copy_db.h). The server must be stopped: orders it took during the
// copy would stay behind in the file. Afterwards the owner sets
// `[database] url` to the same URL and starts shopd (on as many nodes as
// they like).
#include <iostream>
#include <optional>

#include "cli/cli.h"
#include "cli/common.h"
#include "store/copy_db.h"
#include "store/store.h"

namespace shopd::cli {

int copy_db(const std::filesystem::path& config_path, const std::string& target_url) {
  const auto config = load_config_or_report(config_path, Secrets::NotNeeded);
  if (!config) return 2;
  if (auto problem = database_url_problem(target_url)) {
    std::cerr << "shopd: copy-db --to: " << *problem << "\n";
    return 2;
  }
  const auto& source = config->database.path;
  if (!std::filesystem::exists(source)) {
    std::cerr << "shopd: copy-db: there is no SQLite shop at " << source.string() << " to copy\n";
    return 1;
  }
  std::optional<store::ServerLock> lock;
  try {
    lock.emplace(store::engine_for(store::StoreOptions{.path = source})->claim_for_one_server());
  } catch (const std::exception& e) {
    std::cerr << "shopd: copy-db: " << e.what() << "\n";
    return 1;
  }
  if (!lock->held()) {
    std::cerr << "shopd: copy-db: a shopd server is running on " << source.string()
              << "; stop it first, or the orders it takes during the copy stay behind\n";
    return 1;
  }
  const std::string target = store::database_label(store::StoreOptions{.url = target_url});
  try {
    const auto tables = store::copy_sqlite_to_postgres(source, target_url, config->database.busy_timeout_ms);
    std::cout << "copied " << source.string() << " to " << target << ":\n";
    for (const auto& t : tables) std::cout << "  " << t.name << ": " << t.rows << " rows\n";
    std::cout << "next: set [database] url = \"" << target
              << "\" in " << config_path.string() << " and start shopd\n";
  } catch (const std::exception& e) {
    std::cerr << "shopd: copy-db failed, nothing was copied (run it again once fixed): " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace shopd::cli
