// The command line (CLI11): `shopd [serve]`, `check`, `jobs list`,
// `jobs retry`, `jobs discard`, `orders cancel|refund|ship`, `backup`,
// `copy-db`, `--version`, each with `--config PATH`. One .cpp per
// command in this folder. Exit codes: 0 ok, 1 the command failed, 2 bad usage
// or bad configuration.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/states.h"
#include "outbox/owner_actions.h"

namespace shopd::cli {

int run(int argc, char** argv);

int serve(const std::filesystem::path& config_path);
int check(const std::filesystem::path& config_path);
int jobs_list(const std::filesystem::path& config_path, const std::optional<JobState>& state, int limit);
// `jobs retry` / `jobs discard`: the given ids, or every dead job (of `kind`).
int jobs_act(const std::filesystem::path& config_path, BulkAction action, const std::vector<std::string>& ids,
             bool all_dead, const std::optional<std::string>& kind);
// `orders cancel|refund|ship ID ...` (outbox/after_sale.h).
struct OrderAction {
  enum class Kind { Cancel, Refund, Ship };
  std::string order_id;
  std::string reason;
  std::optional<int64_t> amount_cents;
  bool restock = false;
  std::string carrier;
  std::string tracking_number;
  std::string tracking_url;
};
// `items`: "SKU:QTY" for a refund by lines.
int orders_act(const std::filesystem::path& config_path, OrderAction::Kind kind, const OrderAction& action,
               const std::vector<std::string>& items);
int backup(const std::filesystem::path& config_path, const std::filesystem::path& destination);
int copy_db(const std::filesystem::path& config_path, const std::string& target_url);

}  // namespace shopd::cli
