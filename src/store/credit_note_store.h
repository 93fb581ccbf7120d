// Credit notes (SPEC section 9): one per refund that succeeded, numbered in
// their own gapless series, naming the invoice they correct.
//
// Numbered like invoices (invoice_store.h): once per refund, in the
// transaction that records the refund as succeeded, one transaction at a
// time (SQLite: MAX(seq) + 1 under the single writer; PostgreSQL: the counter
// row credit_note_numbering, locked until commit, so numbers stay gapless
// across nodes). credit_note.generate then renders the PDF and stores it in
// `credit_notes.pdf` in the transaction that marks it done.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "store/connection.h"
#include "store/writer.h"

namespace shopd::store {

struct CreditNoteRecord {
  std::string refund_id;
  std::string order_id;
  int64_t seq = 0;
  std::string number;          // prefix + 6 digits: "CN-000001"
  std::string invoice_number;  // the invoice it corrects
  int64_t amount_cents = 0;    // what was refunded (positive; the document prints it negative)
  int64_t tax_cents = 0;       // the tax contained in amount_cents
  std::string currency;
  std::string issued_at;
  bool has_pdf = false;
};

struct NewCreditNote {
  std::string refund_id;
  std::string order_id;
  std::string prefix;
  std::string invoice_number;
  int64_t amount_cents = 0;
  int64_t tax_cents = 0;
  std::string currency;
};

// Idempotent: returns the refund's existing credit note, or assigns the next number.
CreditNoteRecord assign_credit_note(Tx& tx, const NewCreditNote& note, TimePoint now);
std::optional<CreditNoteRecord> find_credit_note(Connection& db, const std::string& refund_id);
std::optional<CreditNoteRecord> find_credit_note_by_number(Connection& db, const std::string& order_id,
                                                           const std::string& number);
// By number.
std::vector<CreditNoteRecord> credit_notes_for_order(Connection& db, const std::string& order_id);

// The document, once stored; nullopt before.
std::optional<std::string> credit_note_pdf(Connection& db, const std::string& refund_id);
void store_credit_note_pdf(Tx& tx, const std::string& refund_id, std::string_view pdf);

// What `shopd check` verifies: numbers 1..count, each once (and on
// PostgreSQL the counter at the last number given out).
struct CreditNoteNumbering {
  int64_t count = 0;
  int64_t max_seq = 0;
  int64_t counter = 0;
  bool gapless() const { return max_seq == count && counter == max_seq; }
};
CreditNoteNumbering credit_note_numbering(Connection& db);

}  // namespace shopd::store
