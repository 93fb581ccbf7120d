// `shopd jobs list [--state S] [--limit N]`: the outbox as a table.
#include <iomanip>
#include <iostream>

#include "cli/cli.h"
#include "cli/common.h"
#include "store/outbox_store.h"

namespace shopd::cli {

namespace {

std::string clip(const std::string& s, size_t width) {
  return s.size() <= width ? s : s.substr(0, width - 3) + "...";
}

}  // namespace

int jobs_list(const std::filesystem::path& config_path, const std::optional<JobState>& state, int limit) {
  const auto config = load_config_or_report(config_path, Secrets::NotNeeded);
  if (!config) return 2;
  try {
    store::Store store(store_options(*config));
    const auto jobs = store.read([&](store::Connection& db) { return store::list_jobs(db, state, limit, std::nullopt); });
    std::cout << std::left << std::setw(37) << "ID" << std::setw(37) << "ORDER" << std::setw(21) << "KIND"
              << std::setw(10) << "STATE" << std::setw(9) << "ATTEMPTS" << std::setw(25) << "RUN_AT"
              << "LAST_ERROR\n";
    for (const auto& j : jobs) {
      std::cout << std::setw(37) << j.id << std::setw(37) << j.order_id << std::setw(21) << j.kind << std::setw(10)
                << to_string(j.state) << std::setw(9) << (std::to_string(j.attempts) + "/" + std::to_string(j.max_attempts))
                << std::setw(25) << j.run_at << clip(j.last_error, 60) << "\n";
    }
    std::cout << jobs.size() << (jobs.size() == 1 ? " job" : " jobs") << (state ? " in state " + std::string(to_string(*state)) : "") << "\n";
  } catch (const std::exception& e) {
    std::cerr << "shopd: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace shopd::cli
