// What `shopd serve` does at startup to a shop made by an older shopd, beyond
// the schema migrations (store/database.h): data that moved.
#pragma once

#include "config/config.h"
#include "store/store.h"

namespace shopd::cli {

// Invoice PDFs used to live only as files in [invoice] dir (var/invoices by
// default); now the database holds them. Reads each invoice's file into
// invoices.pdf, in small batches. Files that cannot be read are logged and
// left alone (the invoice's job can render the document again if an owner
// retries it). Returns how many were moved. Idempotent.
int move_invoice_files_into_database(const Config& config, store::Store& store);

}  // namespace shopd::cli
