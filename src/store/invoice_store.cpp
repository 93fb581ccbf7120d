#include "store/invoice_store.h"

#include <cstdio>

namespace shopd::store {

namespace {

#define INVOICE_COLUMNS \
  "order_id, seq, number, total_cents, tax_cents, currency, coalesce(file, ''), issued_at, pdf IS NOT NULL"

constexpr const char* kFind = "SELECT " INVOICE_COLUMNS " FROM invoices WHERE order_id = ?1";
constexpr const char* kNextSeq = "SELECT coalesce(max(seq), 0) + 1 FROM invoices";
constexpr const char* kInsert =
    "INSERT INTO invoices (order_id, seq, number, total_cents, tax_cents, currency, issued_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr const char* kPdf = "SELECT pdf FROM invoices WHERE order_id = ?1";
constexpr const char* kStorePdf = "UPDATE invoices SET pdf = ?2 WHERE order_id = ?1";
constexpr const char* kSetFile = "UPDATE invoices SET file = ?2 WHERE order_id = ?1";
constexpr const char* kOnlyOnDisk =
    "SELECT " INVOICE_COLUMNS " FROM invoices WHERE seq > ?1 AND pdf IS NULL AND file IS NOT NULL AND file <> '' "
    "ORDER BY seq LIMIT ?2";

#undef INVOICE_COLUMNS

InvoiceRecord read_invoice(const Query& q) {
  return InvoiceRecord{q.text(0), q.int64(1), q.text(2), q.int64(3), q.int64(4),
                       q.text(5), q.text(6),  q.text(7), q.int64(8) != 0};
}

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
  return read_invoice(q);
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
                    inv.currency, "", format_iso(now), false};
  tx.db.query(kInsert)
      .bind(rec.order_id, rec.seq, rec.number, rec.total_cents, rec.tax_cents, rec.currency, rec.issued_at)
      .exec();
  return rec;
}

std::optional<std::string> invoice_pdf(Connection& db, const std::string& order_id) {
  auto q = db.query(kPdf);
  q.bind(order_id);
  if (!q.step()) return std::nullopt;
  return q.opt_blob(0);
}

void store_invoice_pdf(Tx& tx, const std::string& order_id, std::string_view pdf) {
  tx.db.query(kStorePdf).bind(order_id, Blob{pdf}).exec();
}

void set_invoice_file(Tx& tx, const std::string& order_id, const std::string& file) {
  tx.db.query(kSetFile).bind(order_id, file).exec();
}

std::vector<InvoiceRecord> invoices_only_on_disk(Connection& db, int64_t after_seq, int limit) {
  auto q = db.query(kOnlyOnDisk);
  q.bind(after_seq, limit);
  std::vector<InvoiceRecord> out;
  while (q.step()) out.push_back(read_invoice(q));
  return out;
}

}  // namespace shopd::store
