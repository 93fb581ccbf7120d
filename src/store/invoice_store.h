// Invoice numbers. A number is assigned once per order and never reused:
// seq = MAX(seq) + 1 inside the single writer's transaction, so numbers are
// gapless and in the order invoices were issued.
#pragma once

#include <optional>
#include <string>

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
  std::string file;    // PDF file name under [invoice] dir, once written
  std::string issued_at;
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
void set_invoice_file(Tx& tx, const std::string& order_id, const std::string& file);

std::string format_invoice_number(const std::string& prefix, int64_t seq);

}  // namespace shopd::store
