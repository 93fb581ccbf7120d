#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "core/job_kind.h"
#include "core/states.h"
#include "core/version.h"

namespace shopd::cli {

int run(int argc, char** argv) {
  CLI::App app{"shopd: takes a shop's orders at once and does the slow work (payment, invoice, email) afterwards"};
  app.set_version_flag("--version", std::string("shopd ") + kVersion);
  std::string config_path = "shop.toml";
  app.add_option("--config", config_path, "path to shop.toml")->capture_default_str();
  app.require_subcommand(0, 1);

  auto* serve_cmd = app.add_subcommand("serve", "run the HTTP server and the worker (the default)");
  auto* check_cmd = app.add_subcommand("check", "validate the config and the database, print a summary");

  auto* jobs_cmd = app.add_subcommand("jobs", "look at and steer outbox jobs");
  jobs_cmd->require_subcommand(1);
  std::optional<std::string> state;
  int limit = 50;
  std::vector<std::string> state_names, kind_names(kAllJobKinds.begin(), kAllJobKinds.end());
  for (const auto& [s, name] : kJobStateNames) state_names.emplace_back(name);
  auto* list_cmd = jobs_cmd->add_subcommand("list", "table of outbox jobs, newest first");
  list_cmd->add_option("--state", state, names_list(kJobStateNames))->check(CLI::IsMember(state_names));
  list_cmd->add_option("--limit", limit, "rows to show")->check(CLI::Range(1, 100000))->capture_default_str();

  // retry and discard take the same arguments: job ids, or --all-dead [--kind K].
  struct Act {
    std::vector<std::string> ids;
    bool all_dead = false;
    std::optional<std::string> kind;
  } retry, discard;
  auto add_act = [&](const char* name, const char* what, Act& act) {
    auto* cmd = jobs_cmd->add_subcommand(name, what);
    auto* ids = cmd->add_option("ID", act.ids, "job ids");
    auto* all = cmd->add_flag("--all-dead", act.all_dead, "every dead job");
    cmd->add_option("--kind", act.kind, "with --all-dead: only dead jobs of this kind")
        ->check(CLI::IsMember(kind_names))
        ->needs(all);
    ids->excludes(all);
    cmd->callback([cmd, &act] {
      if (act.ids.empty() && !act.all_dead) throw CLI::RequiredError("ID... or --all-dead");
      (void)cmd;
    });
    return cmd;
  };
  auto* retry_cmd = add_act("retry", "put dead jobs back to pending (attempts reset)", retry);
  auto* discard_cmd = add_act("discard", "let dead jobs go: they never run again and need no look", discard);

  // After the sale (SPEC section 9): orders cancel | refund | ship.
  auto* orders_cmd = app.add_subcommand("orders", "the owner's actions after the sale");
  orders_cmd->require_subcommand(1);
  OrderAction order_action;
  std::vector<std::string> items;
  auto* cancel_cmd = orders_cmd->add_subcommand("cancel", "cancel an order: stop or refund its payment, restock");
  cancel_cmd->add_option("ID", order_action.order_id, "the order's id")->required();
  cancel_cmd->add_option("--reason", order_action.reason, "why (kept with the order)");
  auto* refund_cmd = orders_cmd->add_subcommand("refund", "refund all or part of a paid order, with a credit note");
  refund_cmd->add_option("ID", order_action.order_id, "the order's id")->required();
  auto* amount = refund_cmd->add_option("--amount", order_action.amount_cents, "cents to refund")
                     ->check(CLI::Range(int64_t{1}, int64_t{10'000'000'000'000}));
  auto* item = refund_cmd->add_option("--item", items, "SKU:QTY of a line to refund (repeat for more)");
  amount->excludes(item);
  refund_cmd->add_option("--reason", order_action.reason, "why (kept with the refund)");
  refund_cmd->add_flag("--restock", order_action.restock, "with --item: put the lines back on sale")->needs(item);
  refund_cmd->callback([&] {
    if (!order_action.amount_cents && items.empty()) throw CLI::RequiredError("--amount or --item");
  });
  auto* ship_cmd = orders_cmd->add_subcommand("ship", "mark an order shipped; the customer gets the tracking link");
  ship_cmd->add_option("ID", order_action.order_id, "the order's id")->required();
  ship_cmd->add_option("--carrier", order_action.carrier, "who carries it")->required();
  ship_cmd->add_option("--tracking", order_action.tracking_number, "the tracking number")->required();
  ship_cmd->add_option("--url", order_action.tracking_url, "the tracking link");

  std::string destination;
  auto* backup_cmd = app.add_subcommand("backup", "consistent copy of the live database (SQLite online backup)");
  backup_cmd->add_option("PATH", destination, "where to write the copy")->required();

  std::string target_url;
  auto* copy_cmd = app.add_subcommand("copy-db", "copy this SQLite shop into an empty PostgreSQL database");
  copy_cmd->add_option("--to", target_url, "the PostgreSQL database: postgresql://user@host:5432/dbname")->required();

  // --config is accepted before or after the subcommand.
  for (auto* sub : {serve_cmd, check_cmd, list_cmd, retry_cmd, discard_cmd, backup_cmd, copy_cmd, cancel_cmd,
                    refund_cmd, ship_cmd})
    sub->add_option("--config", config_path, "path to shop.toml");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  if (check_cmd->parsed()) return check(config_path);
  if (list_cmd->parsed()) return jobs_list(config_path, state ? parse_job_state(*state) : std::nullopt, limit);
  if (retry_cmd->parsed()) return jobs_act(config_path, BulkAction::Retry, retry.ids, retry.all_dead, retry.kind);
  if (discard_cmd->parsed())
    return jobs_act(config_path, BulkAction::Discard, discard.ids, discard.all_dead, discard.kind);
  if (cancel_cmd->parsed()) return orders_act(config_path, OrderAction::Kind::Cancel, order_action, {});
  if (refund_cmd->parsed()) return orders_act(config_path, OrderAction::Kind::Refund, order_action, items);
  if (ship_cmd->parsed()) return orders_act(config_path, OrderAction::Kind::Ship, order_action, {});
  if (backup_cmd->parsed()) return backup(config_path, destination);
  if (copy_cmd->parsed()) return copy_db(config_path, target_url);
  return serve(config_path);
}

}  // namespace shopd::cli
