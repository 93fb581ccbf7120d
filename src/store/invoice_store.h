// Invoices: a gapless number per paid order, and its PDF document.
//
// The number is assigned once per order (seq = MAX(seq) + 1 inside the
// single writer's transaction, so numbers are gapless and in the order
// payments succeeded): assign_invoice runs in the transaction that marks the
// payment done. invoice.generate then renders the document from stored data
// and stores it in `invoices.pdf` in the transaction that marks it done, so
// the database (and every `shopd backup`) holds the whole invoice. An invoice
// without its PDF exists only while its invoice.generate job has not finished.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "store/connection.h"
#include "store/writer.h"

namespace shopd::store {

struct InvoiceRecord {
  std::string order_id;
  int64_t seq = 0;
  std::string number;  // prefix + 6 digits: "INV-000001"
  int64_t total_cents = 0;
  int64_t tax_cents = 0;
  std::string currency;
  std::string file;    // name of the exported copy in [invoice] dir, if any
  std::string issued_at;
  bool has_pdf = false;
};

struct NewInvoice {
  std::string order_id;
  std::string prefix;
  int64_t total_cents = 0;
  int64_t tax_cents = 0;
  std::string currency;
};

// Idempotent: returns the order's existing invoice, or assigns the next number.
InvoiceRecord assign_invoice(Tx& tx, const NewInvoice& invoice, TimePoint now);
std::optional<InvoiceRecord> find_invoice(Connection& db, const std::string& order_id);

// The document, once stored; nullopt before.
std::optional<std::string> invoice_pdf(Connection& db, const std::string& order_id);
void store_invoice_pdf(Tx& tx, const std::string& order_id, std::string_view pdf);
// Records the name of the copy written to the export folder.
void set_invoice_file(Tx& tx, const std::string& order_id, const std::string& file);

// Invoices whose document exists only as a file (made by a shopd from before
// PDFs lived in the database), by number after `after_seq`, up to `limit`.
std::vector<InvoiceRecord> invoices_only_on_disk(Connection& db, int64_t after_seq, int limit);

std::string format_invoice_number(const std::string& prefix, int64_t seq);

}  // namespace shopd::store
