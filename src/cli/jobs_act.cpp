// `shopd jobs retry ID...` / `shopd jobs discard ID...`, or either with
// `--all-dead [--kind K]`: the owner's actions on dead jobs
// (outbox/owner_actions.h). Safe while the server runs: the write waits for
// SQLite's lock (busy_timeout), and the server's worker picks retried jobs up
// on its next maintenance tick.
#include <iostream>

#include "cli/cli.h"
#include "cli/common.h"
#include "outbox/owner_actions.h"

namespace shopd::cli {

namespace {

const char* verb(BulkAction action) { return action == BulkAction::Retry ? "retried" : "discarded"; }

int act_on_ids(store::Store& store, const Config& config, BulkAction action, const std::vector<std::string>& ids) {
  int failures = 0;
  for (const auto& id : ids) {
    const auto error = store.writer().run_always([&](store::Tx& tx) {
      const auto now = SystemClock().now();
      return action == BulkAction::Retry ? retry_dead_job(tx, id, config, now) : discard_dead_job(tx, id, now);
    });
    if (error) {
      std::cerr << "shopd: job " << id << " not " << verb(action) << ": " << error->code() << ": " << error->message
                << "\n";
      ++failures;
      continue;
    }
    std::cout << "job " << id << (action == BulkAction::Retry ? " is pending again\n" : " is discarded\n");
  }
  return failures == 0 ? 0 : 1;
}

int act_on_all_dead(store::Store& store, const Config& config, BulkAction action,
                    const std::optional<std::string>& kind) {
  const auto outcome = store.writer().run_always(
      [&](store::Tx& tx) { return act_on_dead_jobs(tx, action, kind, config, SystemClock().now()); });
  std::cout << outcome.affected << " dead job(s)" << (kind ? " of kind " + *kind : "") << " " << verb(action) << "\n";
  if (outcome.out_of_stock > 0)
    std::cout << outcome.out_of_stock << " dead payment(s) stay dead: their stock is gone (last_error out_of_stock)\n";
  return 0;
}

}  // namespace

int jobs_act(const std::filesystem::path& config_path, BulkAction action, const std::vector<std::string>& ids,
             bool all_dead, const std::optional<std::string>& kind) {
  const auto config = load_config_or_report(config_path, Secrets::NotNeeded);
  if (!config) return 2;
  try {
    store::Store store(store_options(*config));
    return all_dead ? act_on_all_dead(store, *config, action, kind) : act_on_ids(store, *config, action, ids);
  } catch (const std::exception& e) {
    std::cerr << "shopd: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace shopd::cli
