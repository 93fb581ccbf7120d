// Which VAT applies to an order: decided once, at intake, from the shop's
// [tax] and the order's destination and VAT id, and stored with the order so
// that a later change of rates or config never alters an order already taken.
//
//   single_rate     no [tax]: every line at invoice.tax_rate_percent, as
//                   before [tax] existed (zero-category products at 0 %)
//   domestic        shipped within the seller's country: the seller's rates
//   distance_sale   a consumer in another member state, shop not in OSS: the
//                   seller's rates (below the EU's EUR 10,000 threshold)
//   oss             a consumer in another member state, shop in OSS: the
//                   destination's rates (One-Stop-Shop, Art. 369a ff. of
//                   Directive 2006/112/EC)
//   reverse_charge  a business in another member state with a VAT id of a
//                   member state other than the seller's: exempt
//                   intra-Community supply, 0 %, the buyer accounts for the
//                   VAT (Art. 138)
//   export          shipped outside the EU's VAT area: exempt export, 0 % (Art. 146)
//
// Pure, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "tax/vat.h"

namespace shopd::tax {

// What an order's lines are taxed with.
struct TaxDecision {
  TaxRegime regime = TaxRegime::SingleRate;
  std::string rates_country;  // whose rates apply ("" for single_rate); 0 % regimes name the seller's
  CountryRates rates;         // per category, for this order
  // Whether invoice amounts include VAT: the catalogue's footing, except that
  // a 0 % regime's amounts are net (there is no VAT in them).
  bool amounts_include_vat = true;
  // Gross catalogue prices of a 0 % regime are the seller's gross prices:
  // its VAT is taken out (these rates), the buyer pays the net price.
  std::optional<CountryRates> strip_rates;

  int rate_for(VatCategory category) const { return rates.rate_for(category); }
};

// single_rate at `rate_bp` for every category but zero: a shop without [tax].
TaxDecision single_rate(int rate_bp);

// `ship_country`: the order's shipping_address.country (upper case);
// `vat_id`: the normalized customer.vat_id, or empty.
TaxDecision decide_tax(const Config::Tax& config, std::string_view ship_country, std::string_view vat_id);

}  // namespace shopd::tax
