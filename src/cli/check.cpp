// `shopd check`: is this shop able to run? Validates the config, opens the
// database read-only, runs SQLite's PRAGMA integrity_check, and prints what
// an owner wants to see first (orders by status, jobs by state, dead jobs,
// gapless invoice numbers). A SQLite database `shopd serve` could not write,
// and a config file or data folder every user of the machine can write, are
// problems too. Exits 1 on a problem, 2 on a bad config; it never changes
// the database.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <vector>

#include "cli/cli.h"
#include "cli/common.h"
#include "core/version.h"
#include "store/store.h"
#include "store/database.h"
#include "store/alert_store.h"
#include "store/credit_note_store.h"
#include "store/invoice_store.h"
#include "store/order_store.h"
#include "store/outbox_store.h"
#include "store/product_store.h"
#include "texts/catalog.h"

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
// The schema version with refunds and credit notes (migration 4).
constexpr int kAfterSaleSchema = 4;

// An alert that reached nobody is a problem: the team does not know about a
// dead job. Returns how many there are.
int report_undelivered_alerts(store::Connection& db) {
  const auto undelivered = store::undelivered_alerts(db);
  for (const auto& a : undelivered) {
    // An alert that went out in a storm digest is retried or discarded through the digest's job.
    const std::string& job = a.batch_id.empty() ? a.job_id : a.batch_id;
    std::cout << "PROBLEM: team alert job " << job << " reached nobody (webhook " << to_string(a.webhook)
              << ", email " << to_string(a.email) << "): " << a.summary << " (order " << a.order_id << ", " << a.created_at << ")\n";
  }
  if (!undelivered.empty())
    std::cout << "  fix the alert channel ([alerts] in the config), then `shopd jobs retry ID` to send it again, "
                 "or `shopd jobs discard ID` once the team knows\n";
  return static_cast<int>(undelivered.size());
}

// Invoice numbers must run 1..N without a gap (a tax office asks). Returns 1 when they do not.
int report_invoice_numbering(store::Connection& db, const std::string& prefix) {
  const auto n = store::invoice_numbering(db);
  if (n.count == 0 && n.gapless()) {
    std::cout << "invoices: none yet\n";
    return 0;
  }
  if (n.gapless()) {
    std::cout << "invoices: " << n.count << " (" << store::format_invoice_number(prefix, 1) << " to "
              << store::format_invoice_number(prefix, n.max_seq) << ", no gaps)\n";
    return 0;
  }
  std::cout << "PROBLEM: invoice numbers are not gapless: " << n.count << " invoices, highest number "
            << n.max_seq << ", next number " << n.counter + 1 << "\n";
  return 1;
}

// Credit notes likewise, in their own series. Returns 1 when they have a gap.
int report_credit_note_numbering(store::Connection& db, const std::string& prefix) {
  const auto n = store::credit_note_numbering(db);
  if (n.count == 0 && n.gapless()) return 0;
  if (n.gapless()) {
    std::cout << "credit notes: " << n.count << " (" << store::format_invoice_number(prefix, 1) << " to "
              << store::format_invoice_number(prefix, n.max_seq) << ", no gaps)\n";
    return 0;
  }
  std::cout << "PROBLEM: credit note numbers are not gapless: " << n.count << " credit notes, highest number "
            << n.max_seq << ", next number " << n.counter + 1 << "\n";
  return 1;
}

std::string octal_mode(std::filesystem::perms p) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(p) & 07777);
  return buf;
}

// The config and the data folders must not be writable by every user of the
// machine: anyone could point shopd elsewhere or swap the shop's files. That
// is a problem. A database other users can read (made by an older shopd, or
// copied in) is worth a note: shopd itself creates files owner-only.
int report_open_to_others(const Config& config, const std::filesystem::path& config_path,
                          const store::Engine& engine) {
  const auto database_file = engine.file();
  std::vector<std::filesystem::path> paths{config_path, std::filesystem::absolute(config_path).parent_path()};
  if (database_file) paths.push_back(database_file->parent_path());
  if (config.email.transport == "file") paths.push_back(config.email.dir);
  if (!config.invoice.dir.empty()) paths.push_back(config.invoice.dir);
  int problems = 0;
  for (size_t i = 0; i < paths.size(); ++i) {
    const auto& path = paths[i];
    if (std::find(paths.begin(), paths.begin() + static_cast<std::ptrdiff_t>(i), path) != paths.begin() + i)
      continue;  // said once, also when the mail and invoice folders are the same
    std::error_code ec;
    const auto perms = std::filesystem::status(path, ec).permissions();
    if (ec || (perms & std::filesystem::perms::others_write) == std::filesystem::perms::none) continue;
    std::cout << "PROBLEM: " << path.string() << " is writable by every user on this machine (mode "
              << octal_mode(perms) << "): anyone could change the shop; `chmod o-w " << path.string() << "`\n";
    ++problems;
  }
  if (!database_file) return problems;
  std::error_code ec;
  const auto db = std::filesystem::status(*database_file, ec).permissions();
  if (!ec && (db & std::filesystem::perms::others_read) != std::filesystem::perms::none)
    std::cout << "note: " << database_file->string() << " is readable by every user on this machine (mode "
              << octal_mode(db) << "); it holds customers' names and addresses: `chmod o-rwx "
              << database_file->string() << "`\n";
  return problems;
}

// Every customer-facing text, rendered once with sample data: an owner's
// template that does not parse, names a value shopd does not give it, or
// misses its Subject line is a problem, named by file and line.
int report_templates(const Config& config) {
  std::vector<std::string> problems;
  try {
    problems = texts::check_templates(texts::TemplateSet::load(config.templates.dir));
  } catch (const texts::TemplateError& e) {
    problems.push_back(e.what());
  }
  for (const auto& p : problems) std::cout << "PROBLEM: template " << p << "\n";
  if (problems.empty())
    std::cout << "templates: ok ("
              << (config.templates.dir.empty() ? "built-in" : "built-in and " + config.templates.dir.string())
              << ", every one rendered once)\n";
  return static_cast<int>(problems.size());
}

// What VAT a shop without [tax] can and cannot do.
void report_tax(const Config& config, store::Connection& db) {
  if (config.tax.configured()) {
    std::cout << "tax: seller in " << config.tax.country << ", prices "
              << (config.tax.prices_include_vat ? "include" : "exclude") << " VAT, OSS "
              << (config.tax.oss ? "on" : "off") << "\n";
    if (config.invoice.seller_tax_id.empty())
      std::cout << "note: invoice.seller_tax_id is empty: an EU invoice carries the seller's VAT id\n";
    return;
  }
  int special = 0;
  for (const auto& p : store::list_products(db))
    if (p.vat_category && *p.vat_category != tax::VatCategory::Standard && *p.vat_category != tax::VatCategory::Zero)
      ++special;
  if (special > 0)
    std::cout << "note: " << special << " product(s) have a reduced VAT category, but without [tax] every product is "
              << "taxed at invoice.tax_rate_percent; add [tax] (docs/invoices.md)\n";
}

// Returns the number of problems found.
int check_database(const Config& config, const store::Engine& engine) {
  const auto conn = engine.open_for_inspection();
  if (!conn) {
    std::cout << "database: " << engine.label() << " does not exist yet; `shopd serve` creates it\n";
    return 0;
  }
  store::Connection& db = *conn;
  int problems = 0;
  const int version = store::schema_version(db);
  std::cout << "database: " << engine.label() << " (schema " << version << ", this shopd knows "
            << store::latest_schema_version() << ")\n";
  if (version > store::latest_schema_version()) {
    std::cout << "PROBLEM: the database is newer than this shopd; upgrade shopd\n";
    return 1;
  }
  if (const auto integrity = db.integrity_check()) {
    std::cout << "integrity: " << *integrity << "\n";
    if (*integrity != "ok") ++problems;
  } else {
    std::cout << "integrity: PostgreSQL checks its own pages (pg_amcheck looks deeper)\n";
  }
  if (version < 1) {
    std::cout << "schema: empty; `shopd serve` will create it\n";
    return problems;
  }
  db.read([&](store::Connection& c) {
    std::cout << "products: " << store::list_products(c).size() << "\n";
    report_tax(config, c);
    print_counts("orders", store::count_orders_by_status(c));
    const auto jobs = store::count_jobs_by_state(c);
    print_counts("jobs", jobs);
    if (auto dead = jobs.find(JobState::Dead); dead != jobs.end() && dead->second > 0)
      std::cout << "note: " << dead->second
                << " dead job(s) need a look: `shopd jobs list --state dead`, then `shopd jobs retry ID` "
                   "or `shopd jobs discard ID`\n";
    problems += report_invoice_numbering(c, config.invoice.prefix);
    if (version >= kAlertsSchema) problems += report_undelivered_alerts(c);
    if (version >= kAfterSaleSchema) problems += report_credit_note_numbering(c, config.invoice.credit_note_prefix);
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
  for (const auto& warning : config->warnings) std::cout << "note: " << warning << "\n";
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
  const auto engine = store::engine_for(store_options(*config));
  problems += report_open_to_others(*config, config_path, *engine);
  problems += report_templates(*config);
  if (admin_token(*config).empty())
    std::cout << "admin API: disabled (" << config->server.admin_token_env << " is not set)\n";
  if (const auto problem = engine->write_problem()) {
    std::cout << "PROBLEM: " << *problem << "\n";  // the line `shopd serve` stops with
    ++problems;
  }
  try {
    problems += check_database(*config, *engine);
  } catch (const std::exception& e) {
    std::cout << "PROBLEM: cannot read the database: " << e.what() << "\n";
    ++problems;
  }
  std::cout << (problems == 0 ? "all good\n" : std::to_string(problems) + " problem(s)\n");
  return problems == 0 ? 0 : 1;
}

}  // namespace shopd::cli
