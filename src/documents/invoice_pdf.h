// The invoice document a customer keeps, rendered as PDF with libharu; a
// credit note (SPEC section 9) is the same document with its own number,
// naming the invoice it corrects, its amounts negative.
//
// Text is drawn in DejaVu Sans (Debian's fonts-dejavu-core), subset at build
// time to Latin, Greek and Cyrillic and compiled into the binary
// (invoice_font.py), so the binary alone is enough to deploy. The PDF embeds
// the glyphs it uses, so "Zoë", "Пётр" and "Αθήνα" print as written on any
// reader.
//
// Pure: the same InvoiceDocument always renders to the same bytes, so
// re-running invoice.generate rewrites an identical invoice.
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
  int64_t unit_cents = 0;   // tax included
  int64_t total_cents = 0;  // qty * unit_cents
};

struct InvoiceDocument {
  // An invoice, or a credit note correcting `corrects_number` of
  // `corrects_date`: its lines and totals are the refunded amounts, negative.
  bool credit_note = false;
  std::string corrects_number;  // "INV-000001"
  std::string corrects_date;    // that invoice's date, "2026-11-28"
  std::string number;        // "INV-000001" (a credit note: "CN-000001")
  std::string issued_date;   // invoice date, "2026-11-28"
  std::string order_date;    // when the customer ordered: the date of supply
  std::string order_id;
  std::string seller_name;
  std::string seller_address;  // lines separated by "\n"
  std::string seller_tax_id;   // "[invoice] seller_tax_id", e.g. an EU VAT id; empty prints none
  std::string buyer_name;
  std::vector<std::string> buyer_address;  // lines below the name, the country's name last
  std::vector<InvoiceLine> lines;
  std::string currency;
  int64_t total_cents = 0;   // what the customer paid, tax included
  double tax_rate_percent = 0;
  int64_t tax_cents = 0;     // the tax contained in total_cents; 0 when no tax is configured
};

// Thread-safe: any number of threads may render at once. Cheap after the
// first call, which prepares the fonts (a few milliseconds); prepared libharu
// documents are kept for reuse, a few at most.
// Throws std::runtime_error if libharu fails (a bug, or no memory: not an
// expected failure).
std::string render_invoice_pdf(const InvoiceDocument& doc);

// Tax contained in a tax-inclusive total, rounded half up to the cent
// (total * rate / (100 + rate); the rate counts to 0.01 %). 0 when rate <= 0.
int64_t included_tax_cents(int64_t total_cents, double rate_percent);

// A stretch of text in one of the single-byte encodings the invoice font is
// drawn with ("CP1252", "CP1251", ...): what one PDF text operator shows.
struct EncodedRun {
  std::string_view encoding;
  std::string bytes;
  bool operator==(const EncodedRun&) const = default;
};

// UTF-8 to the runs that draw it. Each character goes to the encoding of the
// run before it when that one has it, else to the first encoding that has
// it, so text switches fonts only where it must. Characters the font cannot
// draw (CJK, emoji), control characters and invalid UTF-8 become '?'; a tab
// becomes a space.
std::vector<EncodedRun> encode_for_pdf(std::string_view utf8);

}  // namespace shopd
