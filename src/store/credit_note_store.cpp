#include "store/credit_note_store.h"

#include "store/invoice_store.h"

namespace shopd::store {

namespace {

#define CREDIT_NOTE_COLUMNS                                                                          \
  "refund_id, order_id, seq, number, invoice_number, amount_cents, tax_cents, currency, issued_at, " \
  "pdf IS NOT NULL"

constexpr const char* kFind = "SELECT " CREDIT_NOTE_COLUMNS " FROM credit_notes WHERE refund_id = ?1";
constexpr const char* kFindByNumber =
    "SELECT " CREDIT_NOTE_COLUMNS " FROM credit_notes WHERE order_id = ?1 AND number = ?2";
constexpr const char* kForOrder = "SELECT " CREDIT_NOTE_COLUMNS " FROM credit_notes WHERE order_id = ?1 ORDER BY seq";
// Gapless across nodes, as invoice numbers are (invoice_store.cpp).
constexpr Sql kNextSeq{
    .sqlite = "SELECT coalesce(max(seq), 0) + 1 FROM credit_notes",
    .postgres = "UPDATE credit_note_numbering SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq",
};
constexpr const char* kInsert =
    "INSERT INTO credit_notes (refund_id, order_id, seq, number, invoice_number, amount_cents, tax_cents, currency, "
    "issued_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
constexpr const char* kPdf = "SELECT pdf FROM credit_notes WHERE refund_id = ?1";
constexpr const char* kStorePdf = "UPDATE credit_notes SET pdf = ?2 WHERE refund_id = ?1";
constexpr Sql kNumbering{
    .sqlite = "SELECT count(*), coalesce(max(seq), 0), coalesce(max(seq), 0) FROM credit_notes",
    .postgres = "SELECT count(*), coalesce(max(seq), 0), (SELECT last_seq FROM credit_note_numbering WHERE id = 1) "
                "FROM credit_notes",
};

#undef CREDIT_NOTE_COLUMNS

CreditNoteRecord read_note(const Query& q) {
  return CreditNoteRecord{q.text(0), q.text(1), q.int64(2), q.text(3), q.text(4),
                          q.int64(5), q.int64(6), q.text(7), q.text(8), q.int64(9) != 0};
}

std::vector<CreditNoteRecord> read_notes(Query& q) {
  std::vector<CreditNoteRecord> out;
  while (q.step()) out.push_back(read_note(q));
  return out;
}

}  // namespace

CreditNoteRecord assign_credit_note(Tx& tx, const NewCreditNote& n, TimePoint now) {
  if (auto existing = find_credit_note(tx.db, n.refund_id)) return *existing;
  int64_t seq = 0;
  {
    auto q = tx.db.query(kNextSeq);
    q.step();
    seq = q.int64(0);
  }
  CreditNoteRecord rec{n.refund_id,     n.order_id,  seq,          format_invoice_number(n.prefix, seq),
                       n.invoice_number, n.amount_cents, n.tax_cents, n.currency,
                       format_iso(now),  false};
  tx.db.query(kInsert)
      .bind(rec.refund_id, rec.order_id, rec.seq, rec.number, rec.invoice_number, rec.amount_cents, rec.tax_cents,
            rec.currency, rec.issued_at)
      .exec();
  return rec;
}

std::optional<CreditNoteRecord> find_credit_note(Connection& db, const std::string& refund_id) {
  auto q = db.query(kFind);
  q.bind(refund_id);
  if (!q.step()) return std::nullopt;
  return read_note(q);
}

std::optional<CreditNoteRecord> find_credit_note_by_number(Connection& db, const std::string& order_id,
                                                           const std::string& number) {
  auto q = db.query(kFindByNumber);
  q.bind(order_id, number);
  if (!q.step()) return std::nullopt;
  return read_note(q);
}

std::vector<CreditNoteRecord> credit_notes_for_order(Connection& db, const std::string& order_id) {
  auto q = db.query(kForOrder);
  q.bind(order_id);
  return read_notes(q);
}

std::optional<std::string> credit_note_pdf(Connection& db, const std::string& refund_id) {
  auto q = db.query(kPdf);
  q.bind(refund_id);
  if (!q.step()) return std::nullopt;
  return q.opt_blob(0);
}

void store_credit_note_pdf(Tx& tx, const std::string& refund_id, std::string_view pdf) {
  tx.db.query(kStorePdf).bind(refund_id, Blob{pdf}).exec();
}

CreditNoteNumbering credit_note_numbering(Connection& db) {
  auto q = db.query(kNumbering);
  q.step();
  return CreditNoteNumbering{q.int64(0), q.int64(1), q.int64(2)};
}

}  // namespace shopd::store
