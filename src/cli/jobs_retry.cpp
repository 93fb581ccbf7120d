// `shopd jobs retry ID`: a dead job back to pending. Safe while the server
// runs: the write waits for SQLite's lock (busy_timeout), and the server's
// worker picks the job up on its next maintenance tick.
#include <iostream>

#include "cli/cli.h"
#include "cli/common.h"
#include "outbox/retry_dead_job.h"

namespace shopd::cli {

int jobs_retry(const std::filesystem::path& config_path, const std::string& job_id) {
  const auto config = load_config_or_report(config_path, Secrets::NotNeeded);
  if (!config) return 2;
  try {
    store::Store store(store_options(*config));
    const auto error = store.writer().run_always(
        [&](store::Tx& tx) { return retry_dead_job(tx, job_id, *config, SystemClock().now()); });
    if (error) {
      std::cerr << "shopd: job " << job_id << " not retried: " << error->code << ": " << error->message << "\n";
      return 1;
    }
    std::cout << "job " << job_id << " is pending again\n";
  } catch (const std::exception& e) {
    std::cerr << "shopd: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace shopd::cli
