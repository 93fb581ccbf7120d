// A tax document: an invoice, or a credit note that corrects one. Both are
// the same thing to print: a seller and a buyer, lines each with its VAT
// rate, a summary per rate (net, VAT, gross), the notes the law asks for, and
// for a credit note the invoice it corrects. documents/document_pdf.h draws
// one; the words on it are DocumentTexts, rendered per language from the
// `document.<locale>.txt` template (texts/document_texts.h).
//
// How a credit note is made (docs/invoices.md, "Credit notes"): kind
// CreditNote, its own number, `corrects` naming the invoice's number and
// date, the invoice's regime, destination, buyer and footing
// (amounts_include_vat), and lines with negative unit prices: the refunded
// order lines (credit_lines_for_items) or a refunded amount split over the
// invoice's rates (credit_lines_for_amount). Its totals() are then the
// negative amounts per rate, and -totals().gross_cents is the refund.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/order.h"
#include "tax/amounts.h"
#include "tax/vat.h"

namespace shopd {

enum class DocumentKind { Invoice, CreditNote };

struct DocumentLine {
  std::string description;  // the product's name; empty on the shipping line (DocumentTexts "shipping")
  std::string sku;
  bool shipping = false;
  tax::TaxedLine amounts;   // qty, unit price (negative on a credit note), rate
};

// The document a credit note corrects.
struct DocumentReference {
  std::string number;  // "INV-000042"
  std::string date;    // its date, "2026-11-28"
};

struct TaxDocument {
  DocumentKind kind = DocumentKind::Invoice;
  std::string locale = "en";
  std::string number;        // "INV-000001", "CN-000001"
  std::string issued_date;   // "2026-11-28"
  std::string order_date;    // when the customer ordered: the date of supply
  std::string order_id;
  std::string seller_name;
  std::string seller_address;               // lines separated by "\n"
  std::string seller_tax_id;                // empty prints none
  std::vector<std::string> legal_lines;     // [invoice] legal_lines, at the foot of every page
  std::string buyer_name;
  std::vector<std::string> buyer_address;   // lines below the name, the country's name last
  std::string buyer_vat_id;                 // the order's customer.vat_id; empty prints none
  std::vector<DocumentLine> lines;
  std::string currency;
  bool amounts_include_vat = true;          // the lines' amounts are gross (else net)
  tax::TaxRegime regime = tax::TaxRegime::SingleRate;
  std::string destination_country;          // ISO code the goods went to (the OSS note names it)
  std::optional<DocumentReference> corrects;  // a credit note's invoice
  // When the money moved: an invoice's payment, a credit note's refund. Empty prints no line.
  std::string paid_date;
  bool test_mode = false;                   // paid through the test provider: nothing was charged

  // Per rate and in all, by the rounding rule of tax/amounts.h.
  tax::Totals totals() const;
  // Whether each line shows its rate and the summary is a table per rate:
  // always, except for a shop without [tax] whose lines share one rate (its
  // documents look as they did before [tax] existed).
  bool itemized_vat() const;
};

// The words on a document, in its language: key -> lines, in the order the
// template gave them (`note` and `vat_of` come once per note and per rate).
struct DocumentTexts {
  std::map<std::string, std::vector<std::string>> values;
  // The first value of `key`; the key itself when the template has none
  // (which `shopd check` reports), so a document never loses a field silently.
  std::string get(const std::string& key) const;
  // Every value of `key`, possibly none.
  const std::vector<std::string>& all(const std::string& key) const;
};

// An order's lines as its tax documents hold them: the items, then the
// shipping line when shipping was charged. `legacy_rate_bp` is the rate of
// an order taken before shopd stored its VAT (Order::tax_regime empty).
std::vector<DocumentLine> order_lines(const Order& order, int legacy_rate_bp);

// "2026-11-28" in a document's language: as it is (en), "28.11.2026" (de),
// "28/11/2026" (fr). Anything that is not such a date comes back unchanged.
std::string display_date(const std::string& iso_date, const std::string& locale);

// Credit lines for refunded order lines: the same descriptions, quantities
// and rates, the unit prices negated.
std::vector<DocumentLine> credit_lines_for_items(const std::vector<DocumentLine>& refunded);

// A refund of `amount_cents` (> 0, at most the invoice's total), split over
// the invoice's rates in proportion to their gross amounts (the largest
// remainder gets the leftover cents, so the parts add up exactly), as one
// line per rate with `description` and a negative gross amount. Use it with
// amounts_include_vat = true: the refund is what left the shop's account.
std::vector<DocumentLine> credit_lines_for_amount(const tax::Totals& invoice, int64_t amount_cents,
                                                  const std::string& description);

}  // namespace shopd
