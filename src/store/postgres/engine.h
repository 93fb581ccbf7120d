// A shop on PostgreSQL (`[database] url`), before it is opened: several
// servers share it, nothing of it lives on this machine, and pg_dump backs
// it up.
#pragma once

#include "store/store.h"

namespace shopd::store {

class PgEngine final : public Engine {
 public:
  explicit PgEngine(const StoreOptions& options) : options_(options) {}

  std::string label() const override;
  bool shared() const override { return true; }
  std::optional<std::filesystem::path> file() const override { return std::nullopt; }
  std::optional<std::string> write_problem() const override { return std::nullopt; }
  ServerLock claim_for_one_server() const override { return ServerLock::not_needed(); }
  std::unique_ptr<Connection> open_for_inspection() const override;
  // PostgreSQL has its own consistent online copy, which also restores onto
  // another server version: shopd does not wrap it. Throws NotOnThisEngine.
  BackupResult backup(const std::filesystem::path& destination) const override;
  std::unique_ptr<Backend> open() const override;

 private:
  StoreOptions options_;
};

}  // namespace shopd::store
