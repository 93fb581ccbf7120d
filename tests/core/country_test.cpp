#include <doctest/doctest.h>

#include "core/country.h"

using namespace shopd;

TEST_SUITE("country") {
  TEST_CASE("a code gives the country's English name") {
    CHECK(country_name("DE") == "Germany");
    CHECK(country_name("GR") == "Greece");
    CHECK(country_name("DK") == "Denmark");
    CHECK(country_name("AD") == "Andorra");   // the first code
    CHECK(country_name("ZW") == "Zimbabwe");  // the last code
  }

  TEST_CASE("the common name wins over the formal one") {
    CHECK(country_name("KR") == "South Korea");
    CHECK(country_name("TW") == "Taiwan");
  }

  TEST_CASE("an unknown or malformed code gives nothing") {
    CHECK(country_name("XK").empty());
    CHECK(country_name("de").empty());
    CHECK(country_name("").empty());
    CHECK(country_name("DEU").empty());
  }
}
