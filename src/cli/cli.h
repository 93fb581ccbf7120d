// The command line (CLI11): `shopd [serve]`, `check`, `jobs list`,
// `jobs retry`, `jobs discard`, `backup`, `--version`, each with `--config PATH`. One .cpp per
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
int backup(const std::filesystem::path& config_path, const std::filesystem::path& destination);

}  // namespace shopd::cli
