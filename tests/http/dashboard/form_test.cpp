// What a browser sends the dashboard: form bodies and cookies
// (src/http/dashboard/form.cpp).
#include <doctest/doctest.h>

#include "http/dashboard/form.h"

using namespace shopd::dashboard;

TEST_SUITE("dashboard form") {
  TEST_CASE("a form body is percent-decoded with + as a space") {
    const auto f = parse_form("name=Coffee+mug%2C+blue&price=12%2C50&csrf=abc");
    CHECK(f.at("name") == "Coffee mug, blue");
    CHECK(f.at("price") == "12,50");
    CHECK(f.at("csrf") == "abc");
  }

  TEST_CASE("a repeated field keeps its first value, so a second csrf cannot replace the first") {
    const auto f = parse_form("csrf=real&csrf=forged");
    CHECK(f.at("csrf") == "real");
  }

  TEST_CASE("fields without a value, empty pairs and broken escapes are read without failing") {
    const auto f = parse_form("a&&b=&c=%zz%4");
    CHECK(f.at("a").empty());
    CHECK(f.at("b").empty());
    CHECK(f.at("c") == "%zz%4");
    CHECK(parse_form("").empty());
  }

  TEST_CASE("UTF-8 in a form survives decoding") {
    CHECK(parse_form("name=Zo%C3%AB").at("name") == "Zoë");
  }

  TEST_CASE("printable UTF-8 is accepted; broken sequences and control characters are not") {
    for (const char* ok : {"Coffee mug", "Zoë", "Пётр", "Αθήνα", "日本", "😀", ""}) {
      CAPTURE(ok);
      CHECK(is_printable_utf8(ok));
    }
    for (const std::string& bad : {std::string("a\nb"), std::string("tab\t"), std::string("\x7f"),
                                  std::string("\xc3"),              // cut short
                                  std::string("\xc0\xaf"),         // overlong '/'
                                  std::string("\xe0\x80\xaf"),     // overlong
                                  std::string("\xed\xa0\x80"),     // a surrogate
                                  std::string("\xf4\x90\x80\x80"),  // past U+10FFFF
                                  std::string("\xff"), std::string("a\x80" "b")}) {
      CAPTURE(bad);
      CHECK_FALSE(is_printable_utf8(bad));
    }
  }

  TEST_CASE("a cookie is found by its exact name among others") {
    CHECK(cookie_value("a=1; shopd_session=abc; b=2", "shopd_session") == "abc");
    CHECK(cookie_value("shopd_session=abc", "shopd_session") == "abc");
    CHECK(cookie_value("xshopd_session=abc; shopd_sessionx=def", "shopd_session") == std::nullopt);
    CHECK(cookie_value("", "shopd_session") == std::nullopt);
  }
}
