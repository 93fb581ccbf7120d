#include "jobs/credit_notes.h"

#include "jobs/invoice_files.h"
#include "store/order_store.h"

namespace shopd {

namespace {

// The order's lines (documents' order_lines: items by line_no, then shipping)
// at the refunded quantities, positive.
std::vector<DocumentLine> refunded_lines(const Order& order, const std::vector<store::RefundLine>& refunded,
                                         const Config& config) {
  const std::vector<DocumentLine> all = order_lines(order, config.tax.single_rate_bp);
  std::vector<DocumentLine> out;
  for (const auto& r : refunded) {
    if (r.line_no < 0 || static_cast<size_t>(r.line_no) >= order.items.size()) continue;
    DocumentLine line = all[static_cast<size_t>(r.line_no)];
    line.amounts.qty = r.qty;
    out.push_back(line);
  }
  return out;
}

int64_t gross_of(const std::vector<DocumentLine>& lines, bool amounts_include_vat) {
  TaxDocument doc;
  doc.lines = lines;
  doc.amounts_include_vat = amounts_include_vat;
  return doc.totals().gross_cents;
}

}  // namespace

int64_t refund_cents_for_lines(const Order& order, const std::vector<store::RefundLine>& lines, const Config& config) {
  return gross_of(refunded_lines(order, lines, config), order.amounts_include_vat);
}

TaxDocument build_credit_note_document(const Order& order, const store::Refund& refund,
                                       const store::CreditNoteRecord& note, const store::InvoiceRecord& invoice,
                                       const Config& config) {
  TaxDocument doc = build_invoice_document(order, invoice, config);
  const tax::Totals invoiced = doc.totals();
  doc.kind = DocumentKind::CreditNote;
  doc.number = note.number;
  doc.issued_date = note.issued_at.substr(0, 10);
  doc.corrects = DocumentReference{invoice.number, invoice.issued_at.substr(0, 10)};
  doc.paid_date = refund.succeeded_at.substr(0, 10);
  std::vector<DocumentLine> lines = refunded_lines(order, refund.lines, config);
  const std::vector<DocumentLine> all = order_lines(order, config.tax.single_rate_bp);
  if (!lines.empty() && gross_of(lines, doc.amounts_include_vat) != refund.amount_cents && !all.empty() &&
      all.back().shipping) {
    lines.push_back(all.back());
  }
  if (!lines.empty() && gross_of(lines, doc.amounts_include_vat) == refund.amount_cents) {
    doc.lines = credit_lines_for_items(lines);
  } else {
    doc.lines = credit_lines_for_amount(invoiced, refund.amount_cents, "");
    doc.amounts_include_vat = true;  // a refund of an amount is gross money
  }
  return doc;
}

void name_refund_lines(TaxDocument& doc, const std::string& text) {
  for (auto& line : doc.lines)
    if (!line.shipping && line.sku.empty() && line.description.empty()) line.description = text;
}

store::CreditNoteRecord number_credit_note(store::Tx& tx, const store::Refund& refund, const Config& config,
                                           TimePoint now) {
  if (auto existing = store::find_credit_note(tx.db, refund.id)) return *existing;
  const auto order = store::load_order(tx.db, refund.order_id);
  auto invoice = store::find_invoice(tx.db, refund.order_id);
  if (!invoice) invoice = store::assign_invoice(tx, new_invoice(*order, config), now);
  // The VAT the credit note gives back, as its document will total it.
  const tax::Totals totals =
      build_credit_note_document(*order, refund, store::CreditNoteRecord{}, *invoice, config).totals();
  return store::assign_credit_note(
      tx,
      store::NewCreditNote{refund.id, refund.order_id, config.invoice.credit_note_prefix, invoice->number,
                           refund.amount_cents, -totals.vat_cents, refund.currency},
      now);
}

bool settle_refund(store::Tx& tx, const std::string& refund_id, const std::string& provider_ref,
                   const Config& config, TimePoint now) {
  if (!store::mark_refund_succeeded(tx, refund_id, provider_ref, now)) return false;
  const auto refund = store::find_refund(tx.db, refund_id);
  number_credit_note(tx, *refund, config, now);
  if (refund->restock) {
    std::vector<store::RestockLine> lines;
    for (const auto& line : refund->lines) lines.push_back(store::RestockLine{line.sku, line.qty});
    store::restock(tx, refund->order_id, std::move(lines), now);
  }
  return true;
}

std::string credit_note_file_name(const store::CreditNoteRecord& note) { return note.number + ".pdf"; }

}  // namespace shopd
