// VAT categories and rates: what a product's `vat_category` means in each
// country, and the shipped rates of the 27 EU member states.
//
// Rates are integers in basis points of a percent (19 % = 1900, 5.5 % = 550),
// so every computation with them is exact integer arithmetic. Pure,
// thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace shopd::tax {

// SPEC section 12. A product's category is the same in every country; what
// rate it gets depends on the country whose rates apply to the order.
enum class VatCategory { Standard, Reduced, SuperReduced, Zero };
inline constexpr std::array<VatCategory, 4> kAllCategories{VatCategory::Standard, VatCategory::Reduced,
                                                           VatCategory::SuperReduced, VatCategory::Zero};

std::string_view to_string(VatCategory category);  // "standard", "reduced", "super_reduced", "zero"
std::optional<VatCategory> parse_vat_category(std::string_view text);

// How an order is taxed (tax/regime.h says when each applies). Stored with
// the order under these names.
enum class TaxRegime { SingleRate, Domestic, DistanceSale, Oss, ReverseCharge, Export };
std::string_view to_string(TaxRegime regime);  // "single_rate", "domestic", "distance_sale", "oss", ...
std::optional<TaxRegime> parse_tax_regime(std::string_view text);

// 19.0 -> 1900. Nullopt when the percent is outside 0..100 or has more than
// two decimals (a rate of 5.555 % is a typo, not a rate).
std::optional<int> rate_bp_from_percent(double percent);
// 1900 -> "19", 550 -> "5.5", 210 -> "2.1", 2550 -> "25.5"
std::string format_rate(int rate_bp);

// One country's rates. A category the country does not have is taxed at the
// next higher one it has: super_reduced -> reduced -> standard (Denmark has no
// reduced rate, so a reduced product pays 25 % there). `zero` is 0 unless set.
struct CountryRates {
  std::map<VatCategory, int> bp;
  // Requires a standard rate (parse_config guarantees it for every country it keeps).
  int rate_for(VatCategory category) const;
};

// The shipped defaults for the 27 member states, keyed by ISO 3166-1 alpha-2
// ("GR" for Greece, whose VAT ids start "EL"). Where the figures come from and
// when they were checked: docs/invoices.md, "The shipped rates".
const std::map<std::string, CountryRates>& eu_default_rates();

// Whether goods shipped there are in the EU's VAT area (the 27 member states;
// Monaco counts as France). Territories with their own ISO code outside it
// (Guadeloupe GP, Réunion RE, Åland AX, ...) are not.
bool is_eu_vat_country(std::string_view alpha2);
// The member state whose VAT applies in `alpha2`: "MC" -> "FR"; others as given.
std::string vat_country(std::string_view alpha2);

}  // namespace shopd::tax
