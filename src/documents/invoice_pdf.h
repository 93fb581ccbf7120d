// The invoice document a customer keeps, rendered as PDF with libharu.
// Pure: the same InvoiceDocument always gives a document with the same
// content, so re-running invoice.generate rewrites an identical invoice.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shopd {

struct InvoiceLine {
  std::string description;  // product name
  std::string sku;
  int qty = 0;
  int64_t unit_cents = 0;
  int64_t total_cents = 0;
};

struct InvoiceDocument {
  std::string number;        // "INV-000001"
  std::string issued_date;   // "2026-11-28"
  std::string order_id;
  std::string shop_name;
  std::string shop_address;  // lines separated by "\n"
  std::string shop_vat_id;
  std::string customer_name;
  std::vector<std::string> bill_to;  // address lines
  std::vector<InvoiceLine> lines;
  std::string currency;
  int64_t total_cents = 0;   // what the customer paid, tax included
  double tax_rate_percent = 0;
  int64_t tax_cents = 0;     // the tax contained in total_cents; 0 when no tax is configured
};

// Throws std::runtime_error if libharu fails (a bug, not an expected failure).
std::string render_invoice_pdf(const InvoiceDocument& doc);

// Tax contained in a tax-inclusive total, rounded half up to the cent
// (total * rate / (100 + rate); the rate counts to 0.01 %). 0 when rate <= 0.
int64_t included_tax_cents(int64_t total_cents, double rate_percent);

// UTF-8 to Windows-1252, the encoding of the PDF's standard fonts: Latin-1
// plus the typographic extras (euro sign, curly quotes, dashes, Œ, Š, Ž, ...).
// Characters it cannot show, control characters and invalid UTF-8 become
// '?' (a tab becomes a space).
std::string utf8_to_cp1252(std::string_view utf8);

}  // namespace shopd
