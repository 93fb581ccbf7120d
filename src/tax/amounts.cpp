#include "tax/amounts.h"

#include <algorithm>
#include <map>

namespace shopd::tax {

namespace {

// numerator / denominator rounded half away from zero; denominator > 0.
int64_t divide_rounded(__int128 numerator, __int128 denominator) {
  const bool negative = numerator < 0;
  const __int128 magnitude = negative ? -numerator : numerator;
  const __int128 q = (2 * magnitude + denominator) / (2 * denominator);
  return static_cast<int64_t>(negative ? -q : q);
}

}  // namespace

int64_t included_vat_cents(int64_t gross_cents, int rate_bp) {
  if (rate_bp <= 0) return 0;
  return divide_rounded(static_cast<__int128>(gross_cents) * rate_bp, 10000 + rate_bp);
}

int64_t added_vat_cents(int64_t net_cents, int rate_bp) {
  if (rate_bp <= 0) return 0;
  return divide_rounded(static_cast<__int128>(net_cents) * rate_bp, 10000);
}

int64_t net_of_gross_cents(int64_t gross_cents, int rate_bp) {
  if (rate_bp <= 0) return gross_cents;
  return divide_rounded(static_cast<__int128>(gross_cents) * 10000, 10000 + rate_bp);
}

Totals summarize(const std::vector<TaxedLine>& lines, bool amounts_include_vat) {
  std::map<int, int64_t> by_rate;
  for (const auto& line : lines) by_rate[line.rate_bp] += line.amount_cents();
  Totals t;
  for (const auto& [bp, amount] : by_rate) {
    RateSummary s{bp, 0, 0, 0};
    if (amounts_include_vat) {
      s.gross_cents = amount;
      s.vat_cents = included_vat_cents(amount, bp);
      s.net_cents = amount - s.vat_cents;
    } else {
      s.net_cents = amount;
      s.vat_cents = added_vat_cents(amount, bp);
      s.gross_cents = amount + s.vat_cents;
    }
    t.net_cents += s.net_cents;
    t.vat_cents += s.vat_cents;
    t.gross_cents += s.gross_cents;
    t.by_rate.push_back(s);
  }
  return t;
}

TaxedLine price_line(const TaxDecision& decision, const CatalogLine& line) {
  int64_t unit = line.price_cents;
  if (decision.strip_rates) unit = net_of_gross_cents(unit, decision.strip_rates->rate_for(line.category));
  return TaxedLine{line.qty, unit, decision.rate_for(line.category)};
}

ShippingChoice choose_shipping(const std::vector<ShippingRate>& shipping, std::string_view country) {
  if (shipping.empty()) return {};
  for (const auto& rate : shipping) {
    const bool matches = std::any_of(rate.countries.begin(), rate.countries.end(),
                                     [&](const std::string& c) { return c == "*" || c == country; });
    if (matches) return {true, rate.price_cents > 0 ? &rate : nullptr};
  }
  return {false, nullptr};
}

PricedOrder price_order(const TaxDecision& decision, const std::vector<CatalogLine>& lines,
                        const ShippingRate* shipping) {
  PricedOrder p;
  p.decision = decision;
  for (const auto& line : lines) p.lines.push_back(price_line(decision, line));
  std::vector<TaxedLine> all = p.lines;
  if (shipping) {
    p.shipping_category = shipping->vat_category;
    p.shipping = price_line(decision, CatalogLine{1, shipping->price_cents, shipping->vat_category});
    all.push_back(*p.shipping);
  }
  p.totals = summarize(all, decision.amounts_include_vat);
  return p;
}

}  // namespace shopd::tax
