// A refund that succeeded, and its credit note (SPEC section 9): what happens
// in the transaction that learns the money went back, and how the credit note
// document is built (the invoice's renderer, documents/invoice_pdf.h).
#pragma once

#include <string>

#include "config/config.h"
#include "core/order.h"
#include "documents/invoice_pdf.h"
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

// The document: seller, buyer and invoice reference as on the invoice; the
// refunded lines (when the refund names lines that add up to its amount) or
// one line for the amount, every amount negative; VAT as on the invoice.
InvoiceDocument build_credit_note_document(const Order& order, const store::Refund& refund,
                                           const store::CreditNoteRecord& note, const store::InvoiceRecord& invoice,
                                           const Config& config);

// "CN-000001.pdf"
std::string credit_note_file_name(const store::CreditNoteRecord& note);

}  // namespace shopd
