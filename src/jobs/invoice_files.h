// How an invoice document is built from an order, and where its exported
// copy goes ([invoice] dir; the database holds the document itself).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/order.h"
#include "documents/invoice_pdf.h"
#include "store/invoice_store.h"

namespace shopd {

// "<invoice.dir>/INV-000001.pdf"
std::string invoice_file_name(const store::InvoiceRecord& invoice);
std::filesystem::path invoice_path(const Config& config, const std::string& file_name);

// The address block under the buyer's name: street lines, "postal code city",
// and the country's English name ("DE" -> "Germany"; an unknown code as is).
std::vector<std::string> buyer_address_lines(const Address& address);

// The invoice of a paid order: seller from [shop] and [invoice], buyer and
// lines from the order, number and amounts from the invoice record.
InvoiceDocument build_invoice_document(const Order& order, const store::InvoiceRecord& invoice, const Config& config);

// The invoice a paid order gets (number assigned by store::assign_invoice).
store::NewInvoice new_invoice(const Order& order, const Config& config);

}  // namespace shopd
