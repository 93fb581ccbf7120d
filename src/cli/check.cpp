// `shopd check`: is this shop able to run? Validates the config, opens the
// database read-only, runs PRAGMA integrity_check, and prints what an owner
// wants to see first (orders by status, jobs by state, dead jobs). Exits 1
// on a problem, 2 on a bad config; it never changes the database.
#include <unistd.h>

#include <iostream>

#include "cli/cli.h"
#include "cli/common.h"
#include "core/version.h"
#include "store/connection.h"
#include "store/database.h"
#include "store/alert_store.h"
#include "store/order_store.h"
#include "store/outbox_store.h"
#include "store/product_store.h"

namespace shopd::cli {

namespace {

bool writable_folder(const std::filesystem::path& dir) {
  auto p = dir;
  while (!p.empty() && !std::filesystem::exists(p)) p = p.parent_path();  // first existing ancestor
  return !p.empty() && ::access(p.c_str(), W_OK) == 0;
}

template <class E>
void print_counts(const char* title, const std::map<E, int64_t>& counts) {
  std::cout << title << ":";
  if (counts.empty()) std::cout << " none";
  for (const auto& [k, v] : counts) std::cout << " " << to_string(k) << "=" << v;
  std::cout << "\n";
}

// The schema that first has the alerts table.
constexpr int kAlertsSchema = 2;

// An alert that reached nobody is a problem: the team does not know about a
// dead job. Returns how many there are.
int report_undelivered_alerts(store::Connection& db) {
  const auto undelivered = store::undelivered_alerts(db);
  for (const auto& a : undelivered)
    std::cout << "PROBLEM: team alert " << a.job_id << " reached nobody (webhook " << a.webhook << ", email "
              << a.email << "): " << a.summary << " (order " << a.order_id << ", " << a.created_at << ")\n";
  if (!undelivered.empty())
    std::cout << "  fix the alert channel ([alerts] in the config), then `shopd jobs retry ID` to send it again, "
                 "or `shopd jobs discard ID` once the team knows\n";
  return static_cast<int>(undelivered.size());
}

// Returns the number of problems found.
int check_database(const Config& config) {
  const auto& path = config.database.path;
  if (!std::filesystem::exists(path)) {
    std::cout << "database: " << path.string() << " does not exist yet; `shopd serve` creates it\n";
    return writable_folder(path.parent_path()) ? 0 : (std::cout << "PROBLEM: cannot create it there\n", 1);
  }
  store::Connection db(path, store::Connection::Mode::ReadOnly, config.database.busy_timeout_ms);
  int problems = 0;
  const int version = store::schema_version(db);
  std::cout << "database: " << path.string() << " (schema " << version << ", this shopd knows "
            << store::latest_schema_version() << ")\n";
  if (version > store::latest_schema_version()) {
    std::cout << "PROBLEM: the database is newer than this shopd; upgrade shopd\n";
    return 1;
  }
  const std::string integrity = store::integrity_check(db);
  std::cout << "integrity: " << integrity << "\n";
  if (integrity != "ok") ++problems;
  if (version < 1) {
    std::cout << "schema: empty; `shopd serve` will create it\n";
    return problems;
  }
  db.read([&](store::Connection& c) {
    std::cout << "products: " << store::list_products(c).size() << "\n";
    print_counts("orders", store::count_orders_by_status(c));
    const auto jobs = store::count_jobs_by_state(c);
    print_counts("jobs", jobs);
    if (auto dead = jobs.find(JobState::Dead); dead != jobs.end() && dead->second > 0)
      std::cout << "note: " << dead->second
                << " dead job(s) need a look: `shopd jobs list --state dead`, then `shopd jobs retry ID` "
                   "or `shopd jobs discard ID`\n";
    if (version >= kAlertsSchema) problems += report_undelivered_alerts(c);
  });
  if (version < store::latest_schema_version())
    std::cout << "schema: " << version << "; `shopd serve` upgrades it to " << store::latest_schema_version() << "\n";
  return problems;
}

}  // namespace

int check(const std::filesystem::path& config_path) {
  const auto config = load_config_or_report(config_path);
  if (!config) return 2;
  std::cout << "shopd " << kVersion << "\nconfig: " << config_path.string() << " ok (shop \"" << config->shop.name
            << "\", listen " << config->server.host << ":" << config->server.port << ", payment "
            << config->payment.provider << ", email " << config->email.transport << ", worker concurrency "
            << config->worker.concurrency << ")\n";
  int problems = 0;
  std::vector<std::filesystem::path> folders;
  if (!config->invoice.dir.empty()) folders.push_back(config->invoice.dir);
  if (config->email.transport == "file") folders.push_back(config->email.dir);
  for (const auto& dir : folders) {
    if (!writable_folder(dir)) {
      std::cout << "PROBLEM: cannot write to " << dir.string() << "\n";
      ++problems;
    }
  }
  if (config->alerts.webhook_url.empty() && config->alerts.email.empty()) {
    std::cout << "PROBLEM: no alert channel: set alerts.webhook_url and/or alerts.email, or nobody hears of a "
                 "dead job\n";
    ++problems;
  }
  if (admin_token(*config).empty())
    std::cout << "admin API: disabled (" << config->server.admin_token_env << " is not set)\n";
  try {
    problems += check_database(*config);
  } catch (const std::exception& e) {
    std::cout << "PROBLEM: cannot read the database: " << e.what() << "\n";
    ++problems;
  }
  std::cout << (problems == 0 ? "all good\n" : std::to_string(problems) + " problem(s)\n");
  return problems == 0 ? 0 : 1;
}

}  // namespace shopd::cli
