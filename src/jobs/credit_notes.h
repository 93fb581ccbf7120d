// A refund that succeeded, and its credit note (SPEC section 9): what happens
// in the transaction that learns the money went back, and how the credit note
// is built: the order's invoice as a TaxDocument (documents/tax_document.h,
// docs/invoices.md "Credit notes"), kind CreditNote, its own number, the
// invoice it corrects, and the refunded lines or amount, negative. The same
// renderer and document texts draw it as draw invoices.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "core/order.h"
#include "documents/tax_document.h"
#include "store/credit_note_store.h"
#include "store/invoice_store.h"
#include "store/refund_store.h"
#include "store/writer.h"

namespace shopd {

// The refund succeeded at the provider (`provider_ref`: its refund id): in
// the caller's transaction, the refund becomes succeeded, gets its credit
// note's number (the next of its gapless series, naming the order's invoice)
// and, when it restocks, puts its lines back on sale. Idempotent: a refund
// already succeeded changes nothing. Returns false when the refund does not
// exist or is not pending.
bool settle_refund(store::Tx& tx, const std::string& refund_id, const std::string& provider_ref,
                   const Config& config, TimePoint now);

// The credit note's number for a refund that succeeded (assigned once; the
// order's invoice is numbered first if an older shopd paid it without one).
store::CreditNoteRecord number_credit_note(store::Tx& tx, const store::Refund& refund, const Config& config,
                                           TimePoint now);

// What a refund of these order lines (qty each) gives back: the gross of the
// order's lines at the refunded quantities, on the order's footing and rates
// (tax/amounts.h's rounding), as the credit note will total it.
int64_t refund_cents_for_lines(const Order& order, const std::vector<store::RefundLine>& lines, const Config& config);

// The credit note: the invoice's document (seller, buyer, language, regime,
// footing), kind CreditNote, `note`'s number and date, `corrects` the
// invoice, paid_date the refund's, and lines with negative amounts:
//   - the refunded order lines, when they give back exactly the refund's
//     amount (with the shipping line too, when that is what makes it exact:
//     the cancel of a paid order);
//   - else the refund's amount split over the invoice's rates, one line per
//     rate with an empty description and SKU (a "refund" line: the
//     document's texts name it, `refund_line_text`).
TaxDocument build_credit_note_document(const Order& order, const store::Refund& refund,
                                       const store::CreditNoteRecord& note, const store::InvoiceRecord& invoice,
                                       const Config& config);

// Names the credit note's amount lines with `text` (the document texts'
// "refund", in the document's language).
void name_refund_lines(TaxDocument& doc, const std::string& text);

// "CN-000001.pdf"
std::string credit_note_file_name(const store::CreditNoteRecord& note);

}  // namespace shopd
