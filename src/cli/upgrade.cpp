#include "cli/upgrade.h"

#include "core/files.h"
#include "obs/log.h"
#include "store/invoice_store.h"

namespace shopd::cli {

namespace {

constexpr int kBatch = 100;

// Where an older shopd wrote invoices: the configured folder, or its default.
std::filesystem::path legacy_invoice_dir(const Config& config) {
  return config.invoice.dir.empty() ? config.config_dir / "var" / "invoices" : config.invoice.dir;
}

}  // namespace

int move_invoice_files_into_database(const Config& config, store::Store& store) {
  const auto dir = legacy_invoice_dir(config);
  int moved = 0;
  int64_t after = 0;
  for (;;) {
    const auto batch = store.read([&](store::Connection& db) { return store::invoices_only_on_disk(db, after, kBatch); });
    if (batch.empty()) break;
    after = batch.back().seq;
    store.writer().run_always([&](store::Tx& tx) {
      for (const auto& invoice : batch) {
        const auto pdf = read_file(dir / invoice.file);
        if (!pdf) {
          log::warn("invoice file not found; its PDF stays missing",
                    {{"order_id", invoice.order_id}, {"file", (dir / invoice.file).string()}});
          continue;
        }
        store::store_invoice_pdf(tx, invoice.order_id, *pdf);
        ++moved;
      }
    });
  }
  if (moved > 0) log::info("invoice PDFs moved into the database", {{"count", moved}, {"from", dir.string()}});
  return moved;
}

}  // namespace shopd::cli
