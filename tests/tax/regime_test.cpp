// Which VAT an order gets, from the seller's [tax], the destination and the buyer's VAT id.
#include <doctest/doctest.h>

#include "tax/regime.h"

using namespace shopd;
using namespace shopd::tax;

namespace {

Config::Tax german_shop(bool oss = false, bool gross = true) {
  Config::Tax t;
  t.country = "DE";
  t.oss = oss;
  t.prices_include_vat = gross;
  t.rates = eu_default_rates();
  return t;
}

}  // namespace

TEST_SUITE("tax_regime") {
  TEST_CASE("without [tax] every order is single_rate at invoice.tax_rate_percent, zero products at 0") {
    Config::Tax t;
    t.single_rate_bp = 1900;
    const auto d = decide_tax(t, "FR", "FR40303265045");
    CHECK(d.regime == TaxRegime::SingleRate);
    CHECK(d.rate_for(VatCategory::Standard) == 1900);
    CHECK(d.rate_for(VatCategory::Reduced) == 1900);
    CHECK(d.rate_for(VatCategory::Zero) == 0);
    CHECK(d.amounts_include_vat);
    CHECK_FALSE(d.strip_rates);
  }

  TEST_CASE("an order shipped within the seller's country is domestic at the seller's rates") {
    const auto d = decide_tax(german_shop(true), "DE", "");
    CHECK(d.regime == TaxRegime::Domestic);
    CHECK(d.rates_country == "DE");
    CHECK(d.rate_for(VatCategory::Reduced) == 700);
  }

  TEST_CASE("a domestic business buyer with a VAT id still pays the seller's VAT") {
    CHECK(decide_tax(german_shop(), "DE", "DE123456789").regime == TaxRegime::Domestic);
  }

  TEST_CASE("a French consumer pays German VAT when the shop is not in OSS, French VAT when it is") {
    const auto distance = decide_tax(german_shop(false), "FR", "");
    CHECK(distance.regime == TaxRegime::DistanceSale);
    CHECK(distance.rate_for(VatCategory::Standard) == 1900);
    const auto oss = decide_tax(german_shop(true), "FR", "");
    CHECK(oss.regime == TaxRegime::Oss);
    CHECK(oss.rates_country == "FR");
    CHECK(oss.rate_for(VatCategory::Standard) == 2000);
    CHECK(oss.rate_for(VatCategory::Reduced) == 550);
  }

  TEST_CASE("a French business with a VAT id gets the exempt intra-Community supply at 0 percent") {
    const auto d = decide_tax(german_shop(true), "FR", "FR40303265045");
    CHECK(d.regime == TaxRegime::ReverseCharge);
    CHECK(d.rate_for(VatCategory::Standard) == 0);
    CHECK_FALSE(d.amounts_include_vat);
    REQUIRE(d.strip_rates);
    CHECK(d.strip_rates->rate_for(VatCategory::Standard) == 1900);  // gross catalogue prices lose German VAT
  }

  TEST_CASE("a buyer abroad with a VAT id of the seller's own country pays VAT") {
    CHECK(decide_tax(german_shop(), "FR", "DE123456789").regime == TaxRegime::DistanceSale);
  }

  TEST_CASE("a VAT id of a third member state still makes the supply exempt") {
    CHECK(decide_tax(german_shop(), "FR", "BE0123456789").regime == TaxRegime::ReverseCharge);
  }

  TEST_CASE("goods leaving the EU are an export at 0 percent, with or without a VAT id") {
    CHECK(decide_tax(german_shop(), "CH", "").regime == TaxRegime::Export);
    CHECK(decide_tax(german_shop(true), "US", "").regime == TaxRegime::Export);
    CHECK(decide_tax(german_shop(), "RE", "").regime == TaxRegime::Export);
  }

  TEST_CASE("net catalogue prices stay net when nothing is exempt, and nothing is stripped") {
    const auto d = decide_tax(german_shop(false, false), "CH", "");
    CHECK_FALSE(d.strip_rates);
    CHECK_FALSE(decide_tax(german_shop(false, false), "DE", "").amounts_include_vat);
  }

  TEST_CASE("Monaco is shipped to as France") {
    CHECK(decide_tax(german_shop(true), "MC", "").rates_country == "FR");
  }

  TEST_CASE("a seller outside the EU sells at home with its own rates and exports everywhere else") {
    Config::Tax t;
    t.country = "CH";
    t.rates["CH"].bp[VatCategory::Standard] = 810;
    CHECK(decide_tax(t, "CH", "").rate_for(VatCategory::Standard) == 810);
    CHECK(decide_tax(t, "DE", "DE123456789").regime == TaxRegime::Export);
  }

  TEST_CASE("regimes read and print with their stored names") {
    for (auto r : {TaxRegime::SingleRate, TaxRegime::Domestic, TaxRegime::DistanceSale, TaxRegime::Oss,
                   TaxRegime::ReverseCharge, TaxRegime::Export})
      CHECK(parse_tax_regime(to_string(r)) == r);
    CHECK(to_string(TaxRegime::ReverseCharge) == "reverse_charge");
    CHECK_FALSE(parse_tax_regime("vat"));
  }
}
