#include "tax/regime.h"

#include "tax/vat_id.h"

namespace shopd::tax {

namespace {

CountryRates zero_rates() {
  CountryRates r;
  for (VatCategory c : kAllCategories) r.bp[c] = 0;
  return r;
}

TaxDecision with_rates(TaxRegime regime, const Config::Tax& config, const std::string& country) {
  return TaxDecision{regime, country, config.rates.at(country), config.prices_include_vat, std::nullopt};
}

TaxDecision exempt(TaxRegime regime, const Config::Tax& config) {
  std::optional<CountryRates> strip;
  if (config.prices_include_vat) strip = config.rates.at(config.country);
  return TaxDecision{regime, config.country, zero_rates(), false, strip};
}

}  // namespace

TaxDecision single_rate(int rate_bp) {
  CountryRates one;
  for (VatCategory c : {VatCategory::Standard, VatCategory::Reduced, VatCategory::SuperReduced}) one.bp[c] = rate_bp;
  return TaxDecision{TaxRegime::SingleRate, "", one, true, std::nullopt};
}

TaxDecision decide_tax(const Config::Tax& config, std::string_view ship_country, std::string_view vat_id) {
  if (!config.configured()) return single_rate(config.single_rate_bp);
  const std::string seller = config.country;
  const std::string destination = vat_country(ship_country);
  if (destination == seller) return with_rates(TaxRegime::Domestic, config, seller);
  // Goods leave the seller's country. From outside the EU every sale abroad
  // is an export; from inside it, one that leaves the EU's VAT area is.
  if (!is_eu_vat_country(seller) || !is_eu_vat_country(destination)) return exempt(TaxRegime::Export, config);
  // Art. 138: the buyer's VAT id must be of a member state other than the
  // one the goods leave.
  if (!vat_id.empty() && vat_id_country(vat_id) != seller) return exempt(TaxRegime::ReverseCharge, config);
  if (config.oss) return with_rates(TaxRegime::Oss, config, destination);
  return with_rates(TaxRegime::DistanceSale, config, seller);
}

}  // namespace shopd::tax
