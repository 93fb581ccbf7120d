#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <iostream>

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
  auto* list_cmd = jobs_cmd->add_subcommand("list", "table of outbox jobs, newest first");
  list_cmd->add_option("--state", state, "pending, running, retrying, done or dead")
      ->check(CLI::IsMember({"pending", "running", "retrying", "done", "dead"}));
  list_cmd->add_option("--limit", limit, "rows to show")->check(CLI::Range(1, 100000))->capture_default_str();
  std::string job_id;
  auto* retry_cmd = jobs_cmd->add_subcommand("retry", "put a dead job back to pending (attempts reset)");
  retry_cmd->add_option("ID", job_id, "the job id")->required();

  std::string destination;
  auto* backup_cmd = app.add_subcommand("backup", "consistent copy of the live database (SQLite online backup)");
  backup_cmd->add_option("PATH", destination, "where to write the copy")->required();

  // --config is accepted before or after the subcommand.
  for (auto* sub : {serve_cmd, check_cmd, list_cmd, retry_cmd, backup_cmd})
    sub->add_option("--config", config_path, "path to shop.toml");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  if (check_cmd->parsed()) return check(config_path);
  if (list_cmd->parsed()) return jobs_list(config_path, state, limit);
  if (retry_cmd->parsed()) return jobs_retry(config_path, job_id);
  if (backup_cmd->parsed()) return backup(config_path, destination);
  return serve(config_path);
}

}  // namespace shopd::cli
