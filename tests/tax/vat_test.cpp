// VAT categories, rates in basis points and the shipped EU rates.
#include <doctest/doctest.h>

#include "tax/vat.h"
#include "tax/vat_id.h"

using namespace shopd::tax;

TEST_SUITE("vat") {
  TEST_CASE("categories read and print with the SPEC's names") {
    for (VatCategory c : kAllCategories) CHECK(parse_vat_category(to_string(c)) == c);
    CHECK(to_string(VatCategory::SuperReduced) == "super_reduced");
    CHECK_FALSE(parse_vat_category("Standard"));
    CHECK_FALSE(parse_vat_category("reduced "));
  }

  TEST_CASE("a rate in percent becomes exact basis points, with at most two decimals") {
    CHECK(rate_bp_from_percent(19.0) == 1900);
    CHECK(rate_bp_from_percent(5.5) == 550);
    CHECK(rate_bp_from_percent(2.1) == 210);  // 2.1 * 100 is 210.00000000000003 in binary
    CHECK(rate_bp_from_percent(25.5) == 2550);
    CHECK(rate_bp_from_percent(0) == 0);
    CHECK(rate_bp_from_percent(100) == 10000);
    CHECK_FALSE(rate_bp_from_percent(5.555));
    CHECK_FALSE(rate_bp_from_percent(-1));
    CHECK_FALSE(rate_bp_from_percent(100.01));
  }

  TEST_CASE("rates print without trailing zeros") {
    CHECK(format_rate(1900) == "19");
    CHECK(format_rate(550) == "5.5");
    CHECK(format_rate(210) == "2.1");
    CHECK(format_rate(2550) == "25.5");
    CHECK(format_rate(480) == "4.8");
    CHECK(format_rate(0) == "0");
  }

  TEST_CASE("the 27 member states ship with a standard rate each") {
    const auto& rates = eu_default_rates();
    CHECK(rates.size() == 27);
    for (const auto& [country, r] : rates) {
      INFO(country);
      CHECK(r.rate_for(VatCategory::Standard) >= 1500);  // the Directive's floor
      CHECK(r.rate_for(VatCategory::Reduced) <= r.rate_for(VatCategory::Standard));
      CHECK(r.rate_for(VatCategory::SuperReduced) <= r.rate_for(VatCategory::Reduced));
      CHECK(r.rate_for(VatCategory::Zero) == 0);
    }
    CHECK(rates.at("DE").rate_for(VatCategory::Standard) == 1900);
    CHECK(rates.at("DE").rate_for(VatCategory::Reduced) == 700);
    CHECK(rates.at("FR").rate_for(VatCategory::Reduced) == 550);
    CHECK(rates.at("FR").rate_for(VatCategory::SuperReduced) == 210);
  }

  TEST_CASE("a category a country does not have is taxed at the next higher one") {
    const auto& rates = eu_default_rates();
    CHECK(rates.at("DK").rate_for(VatCategory::Reduced) == 2500);
    CHECK(rates.at("DK").rate_for(VatCategory::SuperReduced) == 2500);
    CHECK(rates.at("DE").rate_for(VatCategory::SuperReduced) == 700);
  }

  TEST_CASE("the EU's VAT area is the 27, with Monaco as France") {
    CHECK(is_eu_vat_country("DE"));
    CHECK(is_eu_vat_country("GR"));
    CHECK(is_eu_vat_country("MC"));
    CHECK(vat_country("MC") == "FR");
    CHECK_FALSE(is_eu_vat_country("CH"));
    CHECK_FALSE(is_eu_vat_country("GB"));
    CHECK_FALSE(is_eu_vat_country("EL"));  // the VAT prefix, not a country code
    CHECK_FALSE(is_eu_vat_country("RE"));  // Reunion is outside the EU's VAT area
  }
}

TEST_SUITE("vat_id") {
  TEST_CASE("a VAT id is normalized: upper case, without spaces, dots and hyphens") {
    CHECK(normalize_vat_id("de 123.456.789") == "DE123456789");
    CHECK(normalize_vat_id("FR 40 303 265 045") == "FR40303265045");
    CHECK(normalize_vat_id("NL-123456789-B01") == "NL123456789B01");
    CHECK(normalize_vat_id("ATU12345678") == "ATU12345678");
    CHECK(normalize_vat_id("EL123456789") == "EL123456789");
    CHECK(normalize_vat_id("ESX1234567X") == "ESX1234567X");
    CHECK(normalize_vat_id("IE1234567WA") == "IE1234567WA");
  }

  TEST_CASE("a VAT id of the wrong shape for its country is refused") {
    CHECK_FALSE(normalize_vat_id("DE12345678"));      // DE has 9 digits
    CHECK_FALSE(normalize_vat_id("DE1234567890"));
    CHECK_FALSE(normalize_vat_id("AT12345678"));      // AT needs the U
    CHECK_FALSE(normalize_vat_id("FRIO303265045"));   // no I or O in the French key
    CHECK_FALSE(normalize_vat_id("GR123456789"));     // Greece is EL
    CHECK_FALSE(normalize_vat_id("GB123456789"));     // not a member state
    CHECK_FALSE(normalize_vat_id("XI123456789"));
    CHECK_FALSE(normalize_vat_id("DE123456789\n"));
    CHECK_FALSE(normalize_vat_id(""));
    CHECK_FALSE(normalize_vat_id("DE"));
    CHECK_FALSE(normalize_vat_id(std::string(41, '1')));
  }

  TEST_CASE("a VAT id names the member state that issued it") {
    CHECK(vat_id_country("DE123456789") == "DE");
    CHECK(vat_id_country("EL123456789") == "GR");
  }
}

TEST_SUITE("vat_id formats") {
  TEST_CASE("each member state's shapes are accepted and near misses refused") {
    const char* good[] = {"ATU12345678", "BE0123456789", "BE1123456789", "BG123456789", "BG1234567890",
                          "CY12345678X", "CZ12345678", "CZ1234567890", "DK12345678", "EE123456789",
                          "ES12345678Z", "ESX12345678", "FI12345678", "FRXX123456789", "FR12123456789",
                          "HR12345678901", "HU12345678", "IE1234567T", "IE1234567TA", "IE1+23456T",
                          "IT12345678901", "LT123456789", "LT123456789012", "LU12345678", "LV12345678901",
                          "MT12345678", "NL123456789B01", "PL1234567890", "PT123456789", "RO12", "RO1234567890",
                          "SE123456789001", "SI12345678", "SK1234567890"};
    for (const char* id : good) CHECK_MESSAGE(normalize_vat_id(id) == std::string(id), id);
    const char* bad[] = {"BE2123456789", "CY123456789", "FRIX123456789", "IE1234567Z", "NL123456789C01",
                         "RO0123", "RO12345678901", "SE123456789002", "LT1234567890", "ATU1234567"};
    for (const char* id : bad) CHECK_FALSE_MESSAGE(normalize_vat_id(id), id);
  }
}
