// How an invoice document is built from an order, and where its exported
// copy goes ([invoice] dir; the database holds the document itself).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/order.h"
#include "documents/tax_document.h"
#include "store/invoice_store.h"

namespace shopd {

// "<invoice.dir>/INV-000001.pdf"
std::string invoice_file_name(const store::InvoiceRecord& invoice);
std::filesystem::path invoice_path(const Config& config, const std::string& file_name);

// The address block under the buyer's name: street lines, "postal code city",
// and the country's name in the document's language ("DE" -> "Germany",
// "Deutschland", "Allemagne"; an unknown code as is).
std::vector<std::string> buyer_address_lines(const Address& address, const std::string& locale = "en");

// The invoice of a paid order: seller from [shop] and [invoice]; buyer,
// language, lines, rates and regime from the order as taken at intake;
// number and date from the invoice record. A credit note starts from the
// same document (kind, number, lines and `corrects` changed).
TaxDocument build_invoice_document(const Order& order, const store::InvoiceRecord& invoice, const Config& config);

// The invoice a paid order gets (number assigned by store::assign_invoice).
store::NewInvoice new_invoice(const Order& order, const Config& config);

}  // namespace shopd
