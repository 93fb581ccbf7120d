#include "store/invoice_store.h"

#include <cstdio>

namespace shopd::store {

namespace {

constexpr const char* kFind =
    "SELECT order_id, seq, number, total_cents, tax_cents, currency, file, issued_at FROM invoices WHERE order_id = ?1";
constexpr const char* kNextSeq = "SELECT coalesce(max(seq), 0) + 1 FROM invoices";
constexpr const char* kInsert =
    "INSERT INTO invoices (order_id, seq, number, total_cents, tax_cents, currency, issued_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr const char* kSetFile = "UPDATE invoices SET file = ?2 WHERE order_id = ?1";

}  // namespace

std::string format_invoice_number(const std::string& prefix, int64_t seq) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%06lld", static_cast<long long>(seq));
  return prefix + digits;
}

std::optional<InvoiceRecord> find_invoice(Connection& db, const std::string& order_id) {
  auto q = db.query(kFind);
  q.bind(order_id);
  if (!q.step()) return std::nullopt;
  return InvoiceRecord{q.text(0), q.int64(1), q.text(2), q.int64(3), q.int64(4), q.text(5), q.text(6), q.text(7)};
}

InvoiceRecord assign_invoice(Tx& tx, const NewInvoice& inv, TimePoint now) {
  if (auto existing = find_invoice(tx.db, inv.order_id)) return *existing;
  int64_t seq = 0;
  {
    auto q = tx.db.query(kNextSeq);
    q.step();
    seq = q.int64(0);
  }
  InvoiceRecord rec{inv.order_id, seq, format_invoice_number(inv.prefix, seq), inv.total_cents, inv.tax_cents,
                    inv.currency, "", format_iso(now)};
  tx.db.query(kInsert)
      .bind(rec.order_id, rec.seq, rec.number, rec.total_cents, rec.tax_cents, rec.currency, rec.issued_at)
      .exec();
  return rec;
}

void set_invoice_file(Tx& tx, const std::string& order_id, const std::string& file) {
  tx.db.query(kSetFile).bind(order_id, file).exec();
}

}  // namespace shopd::store
