#include "jobs/credit_notes.h"

#include "jobs/invoice_files.h"
#include "store/order_store.h"

namespace shopd {

namespace {

int64_t lines_total(const store::Refund& refund) {
  int64_t total = 0;
  for (const auto& line : refund.lines) total += line.amount_cents;
  return total;
}

}  // namespace

store::CreditNoteRecord number_credit_note(store::Tx& tx, const store::Refund& refund, const Config& config,
                                           TimePoint now) {
  auto invoice = store::find_invoice(tx.db, refund.order_id);
  if (!invoice) {
    const auto order = store::load_order(tx.db, refund.order_id);
    invoice = store::assign_invoice(tx, new_invoice(*order, config), now);
  }
  return store::assign_credit_note(
      tx,
      store::NewCreditNote{refund.id, refund.order_id, config.invoice.credit_note_prefix, invoice->number,
                           refund.amount_cents, included_tax_cents(refund.amount_cents, config.invoice.tax_rate_percent),
                           refund.currency},
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

InvoiceDocument build_credit_note_document(const Order& order, const store::Refund& refund,
                                           const store::CreditNoteRecord& note, const store::InvoiceRecord& invoice,
                                           const Config& config) {
  InvoiceDocument doc = build_invoice_document(order, invoice, config);
  doc.credit_note = true;
  doc.corrects_number = invoice.number;
  doc.corrects_date = invoice.issued_at.substr(0, 10);
  doc.number = note.number;
  doc.issued_date = note.issued_at.substr(0, 10);
  doc.lines.clear();
  if (!refund.lines.empty() && lines_total(refund) == refund.amount_cents) {
    for (const auto& line : refund.lines) {
      std::string name = line.sku;
      for (const auto& item : order.items)
        if (item.sku == line.sku) name = item.name;
      doc.lines.push_back(InvoiceLine{name, line.sku, line.qty, -(line.amount_cents / line.qty), -line.amount_cents});
    }
  } else {
    doc.lines.push_back(InvoiceLine{"Refund for order " + order.id, "", 1, -refund.amount_cents, -refund.amount_cents});
  }
  doc.total_cents = -note.amount_cents;
  doc.tax_cents = -note.tax_cents;
  return doc;
}

std::string credit_note_file_name(const store::CreditNoteRecord& note) { return note.number + ".pdf"; }

}  // namespace shopd
