// Exact money: line amounts, VAT per rate, shipping, and what is charged.
#include <doctest/doctest.h>

#include "tax/amounts.h"

using namespace shopd;
using namespace shopd::tax;

namespace {

Config::Tax german_shop(bool oss, bool gross) {
  Config::Tax t;
  t.country = "DE";
  t.oss = oss;
  t.prices_include_vat = gross;
  t.rates = eu_default_rates();
  return t;
}

}  // namespace

TEST_SUITE("vat_amounts") {
  TEST_CASE("VAT contained in a gross amount rounds half away from zero") {
    CHECK(included_vat_cents(11900, 1900) == 1900);
    CHECK(included_vat_cents(2400, 1900) == 383);  // 383.19
    CHECK(included_vat_cents(1000, 700) == 65);    // 65.42
    CHECK(included_vat_cents(15, 2000) == 3);      // 2.5 -> 3
    CHECK(included_vat_cents(-15, 2000) == -3);    // a credit note mirrors it
    CHECK(included_vat_cents(10770, 770) == 770);
    CHECK(included_vat_cents(2400, 0) == 0);
  }

  TEST_CASE("VAT added to a net amount rounds half away from zero") {
    CHECK(added_vat_cents(1000, 1900) == 190);
    CHECK(added_vat_cents(250, 2000) == 50);
    CHECK(added_vat_cents(1010, 550) == 56);   // 55.55
    CHECK(added_vat_cents(10, 550) == 1);      // 0.55
    CHECK(added_vat_cents(-10, 550) == -1);
  }

  TEST_CASE("the net price in a gross one") {
    CHECK(net_of_gross_cents(1190, 1900) == 1000);
    CHECK(net_of_gross_cents(1200, 1900) == 1008);  // 1008.40
    CHECK(net_of_gross_cents(1200, 0) == 1200);
  }

  TEST_CASE("VAT is computed per rate on the summed gross amounts, not per line") {
    // Three lines of 0.10 at 19 %: per line each contains 0.02 (0.016), 0.06 in
    // all; on the sum 0.30 contains 0.05 (0.0479).
    const auto t = summarize({{1, 10, 1900}, {1, 10, 1900}, {1, 10, 1900}}, true);
    REQUIRE(t.by_rate.size() == 1);
    CHECK(t.by_rate[0].vat_cents == 5);
    CHECK(t.by_rate[0].net_cents == 25);
    CHECK(t.gross_cents == 30);
  }

  TEST_CASE("two rates give two summaries in ascending order, and the total is their gross") {
    const auto t = summarize({{2, 1500, 1900}, {1, 1000, 700}}, true);
    REQUIRE(t.by_rate.size() == 2);
    CHECK(t.by_rate[0].rate_bp == 700);
    CHECK(t.by_rate[0].gross_cents == 1000);
    CHECK(t.by_rate[0].vat_cents == 65);
    CHECK(t.by_rate[1].gross_cents == 3000);
    CHECK(t.by_rate[1].vat_cents == 479);
    CHECK(t.gross_cents == 4000);
    CHECK(t.vat_cents == 544);
    CHECK(t.net_cents == 3456);
  }

  TEST_CASE("net amounts get their VAT added per rate") {
    const auto t = summarize({{3, 333, 2000}}, false);
    CHECK(t.by_rate[0].net_cents == 999);
    CHECK(t.by_rate[0].vat_cents == 200);  // 199.8
    CHECK(t.gross_cents == 1199);
  }

  TEST_CASE("a consumer pays the catalogue price wherever in the EU; only its VAT share changes") {
    const CatalogLine mug{2, 1200, VatCategory::Standard};
    const auto home = price_order(decide_tax(german_shop(true, true), "DE", ""), {mug}, nullptr);
    const auto france = price_order(decide_tax(german_shop(true, true), "FR", ""), {mug}, nullptr);
    CHECK(home.totals.gross_cents == 2400);
    CHECK(france.totals.gross_cents == 2400);
    CHECK(home.totals.vat_cents == 383);
    CHECK(france.totals.vat_cents == 400);
  }

  TEST_CASE("a business buyer under reverse charge pays the net of the seller's gross price") {
    const auto d = decide_tax(german_shop(true, true), "FR", "FR40303265045");
    const auto p = price_order(d, {{2, 1190, VatCategory::Standard}, {1, 1070, VatCategory::Reduced}}, nullptr);
    CHECK(p.lines[0].unit_cents == 1000);
    CHECK(p.lines[1].unit_cents == 1000);
    CHECK(p.totals.vat_cents == 0);
    CHECK(p.totals.gross_cents == 3000);
  }

  TEST_CASE("shipping is a line at its own category, and free shipping is no line") {
    const ShippingRate post{{"DE"}, 490, VatCategory::Standard};
    const auto d = decide_tax(german_shop(false, true), "DE", "");
    const auto p = price_order(d, {{1, 1070, VatCategory::Reduced}}, &post);
    REQUIRE(p.shipping);
    CHECK(p.shipping->rate_bp == 1900);
    CHECK(p.totals.gross_cents == 1560);
    REQUIRE(p.totals.by_rate.size() == 2);
    CHECK_FALSE(price_order(d, {{1, 1070, VatCategory::Reduced}}, nullptr).shipping);
  }

  TEST_CASE("the first [[shipping]] entry that holds the country applies") {
    const std::vector<ShippingRate> rates{{{"DE", "AT"}, 490, VatCategory::Standard},
                                          {{"*"}, 1500, VatCategory::Standard}};
    CHECK(choose_shipping(rates, "AT").rate == &rates[0]);
    CHECK(choose_shipping(rates, "US").rate == &rates[1]);
    CHECK(choose_shipping(rates, "US").matched);
  }

  TEST_CASE("no entry for the country is no match; no entries at all is free shipping") {
    const std::vector<ShippingRate> rates{{{"DE"}, 490, VatCategory::Standard}};
    CHECK_FALSE(choose_shipping(rates, "FR").matched);
    const auto free = choose_shipping({}, "FR");
    CHECK(free.matched);
    CHECK(free.rate == nullptr);
    const std::vector<ShippingRate> zero{{{"*"}, 0, VatCategory::Standard}};
    CHECK(choose_shipping(zero, "FR").matched);
    CHECK(choose_shipping(zero, "FR").rate == nullptr);  // free: no line
  }
}
