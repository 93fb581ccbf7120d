// shop.toml's keys for tax, shipping, language, legal lines and templates
// (SPEC section 12): their defaults, what they accept, and the one-line
// error that names the key at fault.
#include <doctest/doctest.h>

#include <string>

#include "config/config.h"
#include "core/error.h"

using namespace shopd;
using shopd::tax::VatCategory;

namespace {

constexpr const char* kShop = R"(
[shop]
name = "Kaffeehaus"
currency = "EUR"
)";

Config parse(const std::string& rest) {
  return parse_config(std::string(kShop) + rest, "/srv/shop", [](const std::string&) { return std::nullopt; });
}

std::string error_for(const std::string& rest) {
  try {
    parse(rest);
  } catch (const ConfigError& e) {
    return e.what();
  }
  FAIL("parsed without error:\n" << rest);
  return "";
}

}  // namespace

TEST_SUITE("tax_config") {
  TEST_CASE("without [tax] the shop keeps its one rate from invoice.tax_rate_percent") {
    const Config plain = parse("");
    CHECK_FALSE(plain.tax.configured());
    CHECK(plain.tax.single_rate_bp == 0);
    CHECK(plain.shipping.empty());
    CHECK(plain.shop.locale == "en");
    CHECK(plain.templates.dir.empty());
    CHECK(plain.invoice.legal_lines.empty());
    CHECK(parse("[invoice]\ntax_rate_percent = 19\n").tax.single_rate_bp == 1900);
  }

  TEST_CASE("[tax] reads the seller's country, the price footing, OSS and the shipped EU rates") {
    const Config c = parse("[tax]\ncountry = \"DE\"\n");
    CHECK(c.tax.configured());
    CHECK(c.tax.country == "DE");
    CHECK(c.tax.prices_include_vat);
    CHECK_FALSE(c.tax.oss);
    CHECK(c.tax.rates.size() == 27);
    CHECK(c.tax.rates.at("FR").rate_for(VatCategory::Reduced) == 550);

    const Config n = parse("[tax]\ncountry = \"FR\"\nprices_include_vat = false\noss = true\n");
    CHECK_FALSE(n.tax.prices_include_vat);
    CHECK(n.tax.oss);
  }

  TEST_CASE("[tax.rates.<COUNTRY>] changes the rates it names and keeps the others") {
    const Config c = parse("[tax]\ncountry = \"DE\"\n[tax.rates.DE]\nstandard = 16\n[tax.rates.FR]\nreduced = 10.0\n");
    CHECK(c.tax.rates.at("DE").rate_for(VatCategory::Standard) == 1600);
    CHECK(c.tax.rates.at("DE").rate_for(VatCategory::Reduced) == 700);
    CHECK(c.tax.rates.at("FR").rate_for(VatCategory::Reduced) == 1000);
    CHECK(c.tax.rates.at("FR").rate_for(VatCategory::SuperReduced) == 210);
  }

  TEST_CASE("a seller outside the EU gives its own rates") {
    const Config c = parse("[tax]\ncountry = \"CH\"\n[tax.rates.CH]\nstandard = 8.1\nreduced = 2.6\n");
    CHECK(c.tax.rates.at("CH").rate_for(VatCategory::Standard) == 810);
    CHECK(error_for("[tax]\ncountry = \"CH\"\n") ==
          "tax.rates.CH: is required: shopd ships the rates of the EU member states only; give at least `standard`");
    CHECK(error_for("[tax]\ncountry = \"CH\"\n[tax.rates.CH]\nreduced = 2.6\n") ==
          "tax.rates.CH.standard: is required: shopd ships the rates of the EU member states only");
    CHECK(error_for("[tax]\ncountry = \"CH\"\noss = true\n[tax.rates.CH]\nstandard = 8.1\n") ==
          "tax.oss: is for sellers in the EU (tax.country is CH)");
  }

  TEST_CASE("bad [tax] values name their key") {
    CHECK(error_for("[tax]\noss = true\n") == "tax.country: is required");
    CHECK(error_for("[tax]\ncountry = \"de\"\n").starts_with("tax.country: must be an ISO 3166-1 alpha-2 code"));
    CHECK(error_for("[tax]\ncountry = \"DE\"\noss = \"yes\"\n") == "tax.oss: must be true or false (got string)");
    CHECK(error_for("[tax]\ncountry = \"DE\"\n[tax.rates.DE]\nstandard = 19.555\n") ==
          "tax.rates.DE.standard: must have at most two decimals");
    CHECK(error_for("[tax]\ncountry = \"DE\"\n[tax.rates.DE]\nstandard = 119\n") ==
          "tax.rates.DE.standard: must be between 0 and 100 (got 119)");
    CHECK(error_for("[tax]\ncountry = \"DE\"\n[tax.rates.DE]\nparking = 13\n") == "tax.rates.DE.parking: unknown key");
    CHECK(error_for("[tax]\ncountry = \"DE\"\n[tax.rates.de]\nstandard = 19\n").starts_with("tax.rates.de: must be"));
    CHECK(error_for("[tax]\ncountry = \"DE\"\nvat = 19\n") == "tax.vat: unknown key");
  }

  TEST_CASE("invoice.tax_rate_percent and [tax] together are refused: one of them would be ignored") {
    CHECK(error_for("[invoice]\ntax_rate_percent = 19\n[tax]\ncountry = \"DE\"\n") ==
          "invoice.tax_rate_percent: has no meaning with [tax]: remove it (the rates are [tax.rates.<COUNTRY>])");
  }

  TEST_CASE("[[shipping]] entries keep their order, countries, price and category") {
    const Config c = parse(R"(
[[shipping]]
countries = ["DE", "AT"]
price_cents = 490
vat_category = "reduced"

[[shipping]]
countries = ["*"]
price_cents = 1500
)");
    REQUIRE(c.shipping.size() == 2);
    CHECK(c.shipping[0].countries == std::vector<std::string>{"DE", "AT"});
    CHECK(c.shipping[0].price_cents == 490);
    CHECK(c.shipping[0].vat_category == VatCategory::Reduced);
    CHECK(c.shipping[1].vat_category == VatCategory::Standard);
  }

  TEST_CASE("bad [[shipping]] entries name their key") {
    CHECK(error_for("[[shipping]]\nprice_cents = 490\n") == "shipping[0].countries: is required");
    CHECK(error_for("[[shipping]]\ncountries = []\nprice_cents = 490\n") ==
          "shipping[0].countries: must name at least one country, or \"*\"");
    CHECK(error_for("[[shipping]]\ncountries = [\"de\"]\nprice_cents = 490\n")
              .starts_with("shipping[0].countries[0]: must be a country code in upper case"));
    CHECK(error_for("[[shipping]]\ncountries = [\"*\", \"DE\"]\nprice_cents = 490\n")
              .starts_with("shipping[0].countries[0]: must be a country code"));
    CHECK(error_for("[[shipping]]\ncountries = [\"DE\"]\n") == "shipping[0].price_cents: is required");
    CHECK(error_for("[[shipping]]\ncountries = [\"DE\"]\nprice_cents = -1\n")
              .starts_with("shipping[0].price_cents: must be between 0"));
    CHECK(error_for("[[shipping]]\ncountries = [\"DE\"]\nprice_cents = 1\nvat_category = \"low\"\n")
              .starts_with("shipping[0].vat_category: must be one of"));
    CHECK(error_for("[[shipping]]\ncountries = [\"*\"]\nprice_cents = 1\n[[shipping]]\ncountries = [\"DE\"]\n"
                    "price_cents = 2\n") ==
          "shipping[1]: never applies: the entry before it matches every country (\"*\")");
  }

  TEST_CASE("a product's vat_category defaults to standard and must be one of the four") {
    const Config c = parse(R"(
[[products]]
sku = "BOOK-1"
name = "Book"
price_cents = 1070
stock = 5
vat_category = "reduced"

[[products]]
sku = "MUG-1"
name = "Mug"
price_cents = 1200
stock = 5
)");
    CHECK(c.products[0].vat_category == VatCategory::Reduced);
    CHECK(c.products[1].vat_category == VatCategory::Standard);
    CHECK(error_for("[[products]]\nsku = \"A\"\nname = \"A\"\nprice_cents = 1\nstock = 1\nvat_category = \"7\"\n")
              .starts_with("products[0].vat_category: must be one of \"standard\", \"reduced\""));
  }

  TEST_CASE("shop.locale is en, de or fr") {
    CHECK(parse("").shop.locale == "en");
    std::string text = kShop;
    text += "locale = \"de\"\n";
    CHECK(parse_config(text, "/srv", [](const std::string&) { return std::nullopt; }).shop.locale == "de");
    text = std::string(kShop) + "locale = \"es\"\n";
    CHECK_THROWS_WITH_AS(parse_config(text, "/srv", [](const std::string&) { return std::nullopt; }),
                         "shop.locale: must be one of \"en\", \"de\", \"fr\" (got \"es\")", ConfigError);
  }

  TEST_CASE("invoice.legal_lines are up to six lines") {
    const Config c = parse("[invoice]\nlegal_lines = [\"Kaffeehaus GmbH, HRB 12345, AG Berlin\", \"CEO: Ann\"]\n");
    CHECK(c.invoice.legal_lines.size() == 2);
    CHECK(error_for("[invoice]\nlegal_lines = [\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\"]\n") ==
          "invoice.legal_lines: must be at most 6 lines");
    CHECK(error_for("[invoice]\nlegal_lines = \"one\"\n").starts_with("invoice.legal_lines: must be an array"));
  }

  TEST_CASE("[templates] dir resolves against the config's folder") {
    CHECK(parse("[templates]\ndir = \"texts\"\n").templates.dir == "/srv/shop/texts");
    CHECK(error_for("[templates]\nfolder = \"texts\"\n") == "templates.folder: unknown key");
  }
}
