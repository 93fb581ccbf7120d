// Money on an order and on its tax documents: exact integer cents.
//
// The rounding rule (docs/invoices.md, "Rounding"): a line's amount is its
// quantity times its unit price, exactly. VAT is computed once per rate, on
// the sum of that rate's line amounts, and rounded half away from zero to the
// cent: on gross amounts it is the VAT they contain, gross * r / (100 + r);
// on net amounts it is net * r / 100. Invoice law asks for the taxable
// amount and the VAT per rate (Art. 226 (8)-(10) of Directive 2006/112/EC;
// § 14 Abs. 4 Nr. 7-8 UStG; CGI annexe II art. 242 nonies A), so the VAT is
// the rate's, not a sum of rounded lines. The total is the sum of the rates'
// gross amounts, and it is what the customer is charged.
//
// The same functions price an order at intake (the 202's total_cents) and
// sum its invoice, so the charge and the invoice's total cannot differ.
// Pure, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "config/config.h"
#include "tax/regime.h"
#include "tax/vat.h"

namespace shopd::tax {

// VAT contained in a gross amount: round(gross * bp / (10000 + bp)), half away from zero.
int64_t included_vat_cents(int64_t gross_cents, int rate_bp);
// VAT on a net amount: round(net * bp / 10000), half away from zero.
int64_t added_vat_cents(int64_t net_cents, int rate_bp);
// The net price in a gross one: round(gross * 10000 / (10000 + bp)).
int64_t net_of_gross_cents(int64_t gross_cents, int rate_bp);

// One line as a tax document and the order store hold it. Credit notes have
// negative amounts (unit_cents < 0).
struct TaxedLine {
  int64_t qty = 1;
  int64_t unit_cents = 0;  // on the document's footing (gross or net)
  int rate_bp = 0;
  int64_t amount_cents() const { return qty * unit_cents; }
};

// One VAT rate's share of a document.
struct RateSummary {
  int rate_bp = 0;
  int64_t net_cents = 0;
  int64_t vat_cents = 0;
  int64_t gross_cents = 0;
};

struct Totals {
  std::vector<RateSummary> by_rate;  // ascending rate; one entry per rate that has lines
  int64_t net_cents = 0;
  int64_t vat_cents = 0;
  int64_t gross_cents = 0;  // what is charged (or, on a credit note, refunded)
};

// The rounding rule above. `amounts_include_vat`: the lines' amounts are gross.
Totals summarize(const std::vector<TaxedLine>& lines, bool amounts_include_vat);

// A catalogue line at intake.
struct CatalogLine {
  int64_t qty = 1;
  int64_t price_cents = 0;  // the catalogue's price, on the footing of tax.prices_include_vat
  VatCategory category = VatCategory::Standard;
};

// The line as the order is charged and invoiced under `decision`.
TaxedLine price_line(const TaxDecision& decision, const CatalogLine& line);

// What shipping costs to `country`: nullptr when [[shipping]] is empty
// (free shipping everywhere) or the entry that matches; throws nothing.
// `matched` is false when entries exist and none matches (SPEC: 400
// invalid_request, field shipping_address.country).
struct ShippingChoice {
  bool matched = true;
  const ShippingRate* rate = nullptr;  // null: no shipping line
};
ShippingChoice choose_shipping(const std::vector<ShippingRate>& shipping, std::string_view country);

// An order priced at intake: its lines, its shipping line (none when
// shipping is free) and the totals the customer is charged.
struct PricedOrder {
  TaxDecision decision;
  std::vector<TaxedLine> lines;
  std::optional<TaxedLine> shipping;
  VatCategory shipping_category = VatCategory::Standard;
  Totals totals;
};
PricedOrder price_order(const TaxDecision& decision, const std::vector<CatalogLine>& lines,
                        const ShippingRate* shipping);

}  // namespace shopd::tax
