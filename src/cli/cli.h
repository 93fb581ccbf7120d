// The command line (CLI11): `shopd [serve]`, `check`, `jobs list`,
// `jobs retry`, `backup`, `--version`, each with `--config PATH`. One .cpp per
// command in this folder. Exit codes: 0 ok, 1 the command failed, 2 bad usage
// or bad configuration.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace shopd::cli {

int run(int argc, char** argv);

int serve(const std::filesystem::path& config_path);
int check(const std::filesystem::path& config_path);
int jobs_list(const std::filesystem::path& config_path, const std::optional<std::string>& state, int limit);
int jobs_retry(const std::filesystem::path& config_path, const std::string& job_id);
int backup(const std::filesystem::path& config_path, const std::filesystem::path& destination);

}  // namespace shopd::cli
