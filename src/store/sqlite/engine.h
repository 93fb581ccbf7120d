// A shop in one SQLite file (`[database] path`), before it is opened: one
// server owns the file (its lock file says which), the owner guards the
// file's folder and mode, and a backup is SQLite's online backup.
#pragma once

#include "store/store.h"

namespace shopd::store {

class SqliteEngine final : public Engine {
 public:
  explicit SqliteEngine(const StoreOptions& options) : options_(options) {}

  std::string label() const override { return options_.path.string(); }
  bool shared() const override { return false; }
  std::optional<std::filesystem::path> file() const override { return options_.path; }
  // Asks access(2), which also answers for read-only mounts and immutable
  // files when shopd runs as root. A missing folder is fine if it can be created.
  std::optional<std::string> write_problem() const override;
  // An flock on `<file>.lock`: a second `shopd serve` would steal the first
  // one's running jobs at startup, and `copy-db` must not copy a shop that
  // is still taking orders.
  ServerLock claim_for_one_server() const override;
  std::unique_ptr<Connection> open_for_inspection() const override;
  BackupResult backup(const std::filesystem::path& destination) const override;
  std::unique_ptr<Backend> open() const override;

 private:
  StoreOptions options_;
};

}  // namespace shopd::store
