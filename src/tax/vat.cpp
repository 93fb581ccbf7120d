#include "tax/vat.h"

#include <cmath>
#include <cstdio>
#include <utility>

namespace shopd::tax {

namespace {

struct Defaults {
  const char* country;
  int standard;
  int reduced;        // 0: the country has none
  int super_reduced;  // 0: the country has none
};

// The member states' rates in basis points, in force on 1 January 2026.
// `reduced` is the country's lowest reduced rate of at least 5 % (the
// Directive's floor for reduced rates); the others it has are listed in
// docs/invoices.md. `super_reduced` is a rate below 5 % where one exists.
// Source and date: docs/invoices.md, "The shipped rates". Keep them in step.
constexpr Defaults kEuRates[] = {
    {"AT", 2000, 1000, 0},    // also 13
    {"BE", 2100, 600, 0},     // also 12
    {"BG", 2000, 900, 0},
    {"CY", 1900, 500, 0},     // also 9
    {"CZ", 2100, 1200, 0},
    {"DE", 1900, 700, 0},
    {"DK", 2500, 0, 0},
    {"EE", 2400, 900, 0},     // also 13; 24 % since 1 July 2025
    {"ES", 2100, 1000, 400},
    {"FI", 2550, 1000, 0},    // also 13.5 (14 until 2025)
    {"FR", 2000, 550, 210},   // also 10
    {"GR", 2400, 600, 0},     // also 13; VAT ids "EL"
    {"HR", 2500, 500, 0},     // also 13
    {"HU", 2700, 500, 0},     // also 18
    {"IE", 2300, 900, 480},   // also 13.5
    {"IT", 2200, 500, 400},   // also 10
    {"LT", 2100, 500, 0},     // also 12 (9 until 2025)
    {"LU", 1700, 800, 300},   // also 14
    {"LV", 2100, 500, 0},     // also 12
    {"MT", 1800, 500, 0},     // also 7 and 12
    {"NL", 2100, 900, 0},
    {"PL", 2300, 500, 0},     // also 8
    {"PT", 2300, 600, 0},     // also 13 (mainland; Azores and Madeira differ)
    {"RO", 2100, 1100, 0},    // 21 % and 11 % since 1 August 2025
    {"SE", 2500, 600, 0},     // also 12
    {"SI", 2200, 500, 0},     // also 9.5
    {"SK", 2300, 500, 0},     // also 19
};

constexpr std::pair<TaxRegime, std::string_view> kRegimeNames[] = {
    {TaxRegime::SingleRate, "single_rate"},
    {TaxRegime::Domestic, "domestic"},
    {TaxRegime::DistanceSale, "distance_sale"},
    {TaxRegime::Oss, "oss"},
    {TaxRegime::ReverseCharge, "reverse_charge"},
    {TaxRegime::Export, "export"},
};

std::map<std::string, CountryRates> build_defaults() {
  std::map<std::string, CountryRates> out;
  for (const auto& d : kEuRates) {
    CountryRates r;
    r.bp[VatCategory::Standard] = d.standard;
    if (d.reduced) r.bp[VatCategory::Reduced] = d.reduced;
    if (d.super_reduced) r.bp[VatCategory::SuperReduced] = d.super_reduced;
    out[d.country] = r;
  }
  return out;
}

}  // namespace

std::string_view to_string(VatCategory category) {
  switch (category) {
    case VatCategory::Standard: return "standard";
    case VatCategory::Reduced: return "reduced";
    case VatCategory::SuperReduced: return "super_reduced";
    case VatCategory::Zero: return "zero";
  }
  return "standard";
}

std::optional<VatCategory> parse_vat_category(std::string_view text) {
  for (VatCategory c : kAllCategories)
    if (to_string(c) == text) return c;
  return std::nullopt;
}

std::string_view to_string(TaxRegime regime) {
  for (const auto& [r, name] : kRegimeNames)
    if (r == regime) return name;
  return "single_rate";
}

std::optional<TaxRegime> parse_tax_regime(std::string_view text) {
  for (const auto& [r, name] : kRegimeNames)
    if (name == text) return r;
  return std::nullopt;
}

std::optional<int> rate_bp_from_percent(double percent) {
  if (!std::isfinite(percent) || percent < 0 || percent > 100) return std::nullopt;
  const double scaled = percent * 100;
  const double rounded = std::round(scaled);
  if (std::fabs(scaled - rounded) > 1e-6) return std::nullopt;
  return static_cast<int>(rounded);
}

std::string format_rate(int rate_bp) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%d.%02d", rate_bp / 100, rate_bp % 100);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

int CountryRates::rate_for(VatCategory category) const {
  if (auto it = bp.find(category); it != bp.end()) return it->second;
  switch (category) {
    case VatCategory::Zero: return 0;
    case VatCategory::SuperReduced: return rate_for(VatCategory::Reduced);
    case VatCategory::Reduced: return rate_for(VatCategory::Standard);
    case VatCategory::Standard: break;
  }
  return bp.at(VatCategory::Standard);
}

const std::map<std::string, CountryRates>& eu_default_rates() {
  static const std::map<std::string, CountryRates> rates = build_defaults();
  return rates;
}

bool is_eu_vat_country(std::string_view alpha2) { return eu_default_rates().count(vat_country(alpha2)) == 1; }

std::string vat_country(std::string_view alpha2) {
  if (alpha2 == "MC") return "FR";  // Monaco is in France's VAT area
  return std::string(alpha2);
}

}  // namespace shopd::tax
