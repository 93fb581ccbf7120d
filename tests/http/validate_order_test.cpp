// Every input of POST /orders (SPEC section 3): what passes, what is refused,
// and that the refusal names the input as a path ("items[0].qty").
#include <doctest/doctest.h>

#include <string>

#include "http/validate_order.h"

using namespace shopd;
using nlohmann::json;

namespace {

json good_order() {
  return json::parse(R"({
    "customer": {"email": "ann@example.com", "name": "Ann Example"},
    "items": [{"sku": "MUG-01", "qty": 2}],
    "payment": {"token": "pm_card_visa"},
    "shipping_address": {"line1": "Hauptstrasse 5", "city": "Berlin", "postal_code": "10115", "country": "DE"}
  })");
}

// The FieldError of an order that must be refused; fails the test if it was accepted.
FieldError refused(const json& body) {
  auto r = validate_order(body);
  REQUIRE_MESSAGE(std::holds_alternative<FieldError>(r), "accepted: " << body.dump());
  return std::get<FieldError>(r);
}

NewOrder accepted(const json& body) {
  auto r = validate_order(body);
  if (auto* e = std::get_if<FieldError>(&r)) FAIL("refused: " << e->field << ": " << e->message);
  return std::get<NewOrder>(r);
}

// Asserts 400 invalid_request naming `field`.
void check_invalid(const json& body, const std::string& field) {
  const FieldError e = refused(body);
  CHECK(e.http_status == 400);
  CHECK(e.code == "invalid_request");
  CHECK(e.field == field);
  CHECK_FALSE(e.message.empty());
}

json with(json body, const json::json_pointer& at, json value) {
  body[at] = std::move(value);
  return body;
}

json without(json body, const json::json_pointer& at) {
  body[at.parent_pointer()].erase(at.back());
  return body;
}

std::string repeat(const std::string& s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

// A well-formed address of exactly `length` bytes: a 64-character local part
// and labels of at most 63 characters.
std::string email_of_length(size_t length) {
  size_t left = length - 64 - 1 - 4;  // local part, "@", ".com"
  std::string domain;
  while (left > 63) {
    domain += std::string(63, 'b') + ".";
    left -= 64;
  }
  domain += std::string(left, 'b');
  return std::string(64, 'a') + "@" + domain + ".com";
}

}  // namespace

TEST_SUITE("validate_order") {
  TEST_CASE("a complete order is accepted with every field carried over") {
    json body = good_order();
    body["shipping_address"]["line2"] = "Hinterhaus";
    const NewOrder o = accepted(body);
    CHECK(o.customer.email == "ann@example.com");
    CHECK(o.customer.name == "Ann Example");
    REQUIRE(o.items.size() == 1);
    CHECK(o.items[0].sku == "MUG-01");
    CHECK(o.items[0].qty == 2);
    CHECK(o.payment_method == "pm_card_visa");
    CHECK(o.shipping.line1 == "Hauptstrasse 5");
    CHECK(o.shipping.line2 == "Hinterhaus");
    CHECK(o.shipping.city == "Berlin");
    CHECK(o.shipping.postal_code == "10115");
    CHECK(o.shipping.country == "DE");
  }

  TEST_CASE("unknown fields and client-sent prices are ignored") {
    json body = good_order();
    body["total_cents"] = 1;
    body["items"][0]["price_cents"] = 1;
    body["coupon"] = {{"code", "FREE"}};
    const NewOrder o = accepted(body);
    CHECK(o.items[0].qty == 2);
  }

  TEST_CASE("the optional address fields may be missing or null") {
    json body = without(good_order(), "/shipping_address/postal_code"_json_pointer);
    body["shipping_address"]["line2"] = nullptr;
    const NewOrder o = accepted(body);
    CHECK(o.shipping.line2.empty());
    CHECK(o.shipping.postal_code.empty());
  }

  TEST_CASE("a body that is not an object is refused") {
    for (const std::string text : {"[]", "\"order\"", "42", "null", "true"}) {
      CAPTURE(text);
      const FieldError e = refused(json::parse(text));
      CHECK(e.http_status == 400);
      CHECK(e.code == "invalid_request");
    }
  }

  TEST_CASE("each required part missing is named") {
    check_invalid(without(good_order(), "/customer"_json_pointer), "customer");
    check_invalid(without(good_order(), "/customer/email"_json_pointer), "customer.email");
    check_invalid(without(good_order(), "/customer/name"_json_pointer), "customer.name");
    check_invalid(without(good_order(), "/items"_json_pointer), "items");
    check_invalid(without(good_order(), "/items/0/sku"_json_pointer), "items[0].sku");
    check_invalid(without(good_order(), "/items/0/qty"_json_pointer), "items[0].qty");
    check_invalid(without(good_order(), "/payment"_json_pointer), "payment");
    check_invalid(without(good_order(), "/payment/token"_json_pointer), "payment.token");
    check_invalid(without(good_order(), "/shipping_address"_json_pointer), "shipping_address");
    check_invalid(without(good_order(), "/shipping_address/line1"_json_pointer), "shipping_address.line1");
    check_invalid(without(good_order(), "/shipping_address/city"_json_pointer), "shipping_address.city");
    check_invalid(without(good_order(), "/shipping_address/country"_json_pointer), "shipping_address.country");
  }

  TEST_CASE("null counts as missing for required fields") {
    check_invalid(with(good_order(), "/customer"_json_pointer, nullptr), "customer");
    check_invalid(with(good_order(), "/customer/name"_json_pointer, nullptr), "customer.name");
    check_invalid(with(good_order(), "/items/0/qty"_json_pointer, nullptr), "items[0].qty");
  }

  TEST_CASE("each field of the wrong type is named") {
    check_invalid(with(good_order(), "/customer"_json_pointer, "ann@example.com"), "customer");
    check_invalid(with(good_order(), "/customer/email"_json_pointer, 42), "customer.email");
    check_invalid(with(good_order(), "/customer/name"_json_pointer, json::array({"Ann"})), "customer.name");
    check_invalid(with(good_order(), "/items"_json_pointer, json::object({{"sku", "MUG-01"}})), "items");
    check_invalid(with(good_order(), "/items/0"_json_pointer, "MUG-01"), "items[0]");
    check_invalid(with(good_order(), "/items/0/sku"_json_pointer, 1), "items[0].sku");
    check_invalid(with(good_order(), "/payment"_json_pointer, "pm_card_visa"), "payment");
    check_invalid(with(good_order(), "/payment/token"_json_pointer, true), "payment.token");
    check_invalid(with(good_order(), "/shipping_address"_json_pointer, "Berlin"), "shipping_address");
    check_invalid(with(good_order(), "/shipping_address/line2"_json_pointer, 5), "shipping_address.line2");
    check_invalid(with(good_order(), "/shipping_address/postal_code"_json_pointer, 10115),
                  "shipping_address.postal_code");
  }

  TEST_CASE("qty must be a whole number") {
    for (const std::string qty : {"\"2\"", "2.5", "2.0", "true", "[2]", "{}", "1e3"}) {
      CAPTURE(qty);
      check_invalid(with(good_order(), "/items/0/qty"_json_pointer, json::parse(qty)), "items[0].qty");
    }
  }

  TEST_CASE("qty must be between 1 and 1000") {
    for (const std::string qty : {"0", "-1", "-1000", "1001", "2147483648", "4294967297", "9223372036854775807",
                            "-9223372036854775808", "18446744073709551615", "100000000000000000000000"}) {
      CAPTURE(qty);
      check_invalid(with(good_order(), "/items/0/qty"_json_pointer, json::parse(qty)), "items[0].qty");
    }
    CHECK(accepted(with(good_order(), "/items/0/qty"_json_pointer, 1)).items[0].qty == 1);
    CHECK(accepted(with(good_order(), "/items/0/qty"_json_pointer, 1000)).items[0].qty == 1000);
  }

  TEST_CASE("items must hold 1 to 100 lines") {
    check_invalid(with(good_order(), "/items"_json_pointer, json::array()), "items");
    json lines = json::array();
    for (int i = 0; i < 100; ++i) lines.push_back({{"sku", "SKU-" + std::to_string(i)}, {"qty", 1}});
    CHECK(accepted(with(good_order(), "/items"_json_pointer, lines)).items.size() == 100);
    lines.push_back({{"sku", "SKU-100"}, {"qty", 1}});
    check_invalid(with(good_order(), "/items"_json_pointer, lines), "items");
    for (int i = 101; i < 5000; ++i) lines.push_back({{"sku", "SKU-" + std::to_string(i)}, {"qty", 1}});
    check_invalid(with(good_order(), "/items"_json_pointer, lines), "items");
  }

  TEST_CASE("the path names the line at fault, not the first one") {
    json body = good_order();
    body["items"] = json::array({{{"sku", "A"}, {"qty", 1}}, {{"sku", "B"}, {"qty", 1}},
                                 {{"sku", "C"}, {"qty", 1}}, {{"sku", "D"}, {"qty", 0}}});
    check_invalid(body, "items[3].qty");
    body["items"][3]["qty"] = 1;
    body["items"][2]["sku"] = "";
    check_invalid(body, "items[2].sku");
  }

  TEST_CASE("sku is 1-64 printable ASCII characters") {
    CHECK(accepted(with(good_order(), "/items/0/sku"_json_pointer, std::string(64, 'S'))).items[0].sku.size() == 64);
    for (const std::string& sku : {std::string(), std::string(65, 'S'), std::string("MUG 01"),
                                   std::string("MUG-\xC3\xA9"), std::string("MUG\t01")}) {
      CAPTURE(sku);
      check_invalid(with(good_order(), "/items/0/sku"_json_pointer, sku), "items[0].sku");
    }
  }

  TEST_CASE("names and address lines are at most 200 characters, counted as characters not bytes") {
    struct Field {
      const char* pointer;
      const char* path;
    };
    for (const Field f : {Field{"/customer/name", "customer.name"},
                          Field{"/shipping_address/line1", "shipping_address.line1"},
                          Field{"/shipping_address/line2", "shipping_address.line2"},
                          Field{"/shipping_address/city", "shipping_address.city"}}) {
      CAPTURE(f.path);
      const json::json_pointer at(f.pointer);
      accepted(with(good_order(), at, std::string(200, 'x')));
      accepted(with(good_order(), at, repeat("\xC3\xA4", 200)));  // 200 x "ä": 400 bytes
      accepted(with(good_order(), at, repeat("\xF0\x9F\x98\x80", 200)));  // 200 emoji: 800 bytes
      check_invalid(with(good_order(), at, std::string(201, 'x')), f.path);
      check_invalid(with(good_order(), at, repeat("\xC3\xA4", 201)), f.path);
      check_invalid(with(good_order(), at, std::string(100000, 'x')), f.path);
    }
  }

  TEST_CASE("required text must not be empty") {
    check_invalid(with(good_order(), "/customer/name"_json_pointer, ""), "customer.name");
    check_invalid(with(good_order(), "/customer/email"_json_pointer, ""), "customer.email");
    check_invalid(with(good_order(), "/shipping_address/line1"_json_pointer, ""), "shipping_address.line1");
    check_invalid(with(good_order(), "/shipping_address/city"_json_pointer, ""), "shipping_address.city");
    check_invalid(with(good_order(), "/payment/token"_json_pointer, ""), "payment.token");
  }

  TEST_CASE("control characters in text are refused") {
    for (const std::string& bad : {std::string("Ann\nExample"), std::string("Ann\x7F"), std::string("Ann\0X", 5),
                                   std::string("\tAnn"), std::string("Ann\r")}) {
      check_invalid(with(good_order(), "/customer/name"_json_pointer, bad), "customer.name");
      check_invalid(with(good_order(), "/shipping_address/line1"_json_pointer, bad), "shipping_address.line1");
    }
  }

  TEST_CASE("C1 control characters (U+0080 to U+009F) in names and addresses are refused") {
    for (const std::string& bad : {std::string("Ann\u0080"), std::string("Ann\u0085Example"),
                                   std::string("\u009BAnn"), std::string("Ann\u009F")}) {
      check_invalid(with(good_order(), "/customer/name"_json_pointer, bad), "customer.name");
      check_invalid(with(good_order(), "/shipping_address/line1"_json_pointer, bad), "shipping_address.line1");
      check_invalid(with(good_order(), "/shipping_address/line2"_json_pointer, bad), "shipping_address.line2");
      check_invalid(with(good_order(), "/shipping_address/city"_json_pointer, bad), "shipping_address.city");
      check_invalid(with(good_order(), "/shipping_address/postal_code"_json_pointer, bad),
                    "shipping_address.postal_code");
    }
  }

  TEST_CASE("letters next to the C1 range are accepted: U+00A0 and up, and U+007E") {
    for (const std::string& ok : {std::string("Zo\u00EB \u00C6r\u00F8sk\u00F8bing"), std::string("\u00A0Ann"),
                                  std::string("Ann~"), std::string("\u0100\u0180")}) {
      CHECK(accepted(with(good_order(), "/customer/name"_json_pointer, ok)).customer.name == ok);
      CHECK(accepted(with(good_order(), "/shipping_address/city"_json_pointer, ok)).shipping.city == ok);
    }
  }

  TEST_CASE("the postal code is at most 32 characters") {
    accepted(with(good_order(), "/shipping_address/postal_code"_json_pointer, std::string(32, '1')));
    check_invalid(with(good_order(), "/shipping_address/postal_code"_json_pointer, std::string(33, '1')),
                  "shipping_address.postal_code");
  }

  TEST_CASE("the country is a two-letter code, stored in upper case") {
    CHECK(accepted(with(good_order(), "/shipping_address/country"_json_pointer, "de")).shipping.country == "DE");
    CHECK(accepted(with(good_order(), "/shipping_address/country"_json_pointer, "Fr")).shipping.country == "FR");
    for (const std::string country : {"D", "DEU", "Germany", "D1", "  ", "\xC3\x84\xC3\x84"}) {
      CAPTURE(country);
      check_invalid(with(good_order(), "/shipping_address/country"_json_pointer, country), "shipping_address.country");
    }
  }

  TEST_CASE("payment.token is a Stripe PaymentMethod id") {
    for (const std::string token : {"pm_card_visa", "pm_card_chargeDeclined", "pm_1NqTuv2eZvKYlo2C"})
      CHECK(accepted(with(good_order(), "/payment/token"_json_pointer, token)).payment_method == token);
    for (const std::string token : {"pm_", "card_visa", "tok_visa", "4242424242424242", "pm_card visa", "pm_card-visa",
                              "PM_card_visa", "pm_card_visa\n"}) {
      CAPTURE(token);
      check_invalid(with(good_order(), "/payment/token"_json_pointer, token), "payment.token");
    }
    check_invalid(with(good_order(), "/payment/token"_json_pointer, "pm_" + std::string(253, 'a')), "payment.token");
  }

  TEST_CASE("the email must be shaped like an address") {
    for (const std::string email : {"ann", "ann@", "@example.com", "ann@example", "ann example@example.com",
                              "ann@@example.com", "ann@exa mple.com", "ann@-example.com", "ann@example-.com",
                              "ann@example..com", ".ann@example.com", "ann.@example.com", "an..n@example.com",
                              "ann@example.c", "ann@example.123", "ann@ex\xC3\xA4mple.com", "<ann@example.com>",
                              "Ann <ann@example.com>", "ann@example.com\r\nBcc: eve@example.com"}) {
      CAPTURE(email);
      check_invalid(with(good_order(), "/customer/email"_json_pointer, email), "customer.email");
    }
    for (const std::string email : {"ann@example.com", "ann.example+shop@mail.example.co.uk", "a@b.de", "o'neil@example.ie",
                              "ann_1@sub-domain.example.org"}) {
      CAPTURE(email);
      CHECK(accepted(with(good_order(), "/customer/email"_json_pointer, email)).customer.email == email);
    }
  }

  TEST_CASE("the email is at most 254 characters") {
    const std::string longest = email_of_length(254);
    REQUIRE(longest.size() == 254);
    REQUIRE(is_email_shaped(longest));
    accepted(with(good_order(), "/customer/email"_json_pointer, longest));
    const std::string too_long = email_of_length(255);
    REQUIRE(too_long.size() == 255);
    check_invalid(with(good_order(), "/customer/email"_json_pointer, too_long), "customer.email");
    check_invalid(with(good_order(), "/customer/email"_json_pointer, std::string(65, 'a') + "@example.com"),
                  "customer.email");
  }

  TEST_CASE("the first invalid part is reported, in document order") {
    json body = good_order();
    body["customer"]["email"] = "nope";
    body["items"][0]["qty"] = 0;
    check_invalid(body, "customer.email");
  }
}

TEST_SUITE("parse_json_body") {
  FieldError bad_json(std::string_view text) {
    auto r = parse_json_body(text);
    REQUIRE_MESSAGE(std::holds_alternative<FieldError>(r), "parsed: " << std::string(text.substr(0, 80)));
    return std::get<FieldError>(r);
  }

  TEST_CASE("valid JSON parses") {
    auto r = parse_json_body(R"({"a": [1, {"b": "c"}]})");
    REQUIRE(std::holds_alternative<json>(r));
    CHECK(std::get<json>(r)["a"][1]["b"] == "c");
  }

  TEST_CASE("text that is not JSON is invalid_json") {
    for (const std::string text : {"", " ", "{", "{\"a\": 1", "{\"a\": 1}}", "{'a': 1}", "{\"a\": 1} trailing",
                             "customer=ann", "{\"a\": 01}", "{\"a\": NaN}", "{\"a\" 1}", "\xEF\xBB\xBF"}) {
      CAPTURE(text);
      const FieldError e = bad_json(text);
      CHECK(e.http_status == 400);
      CHECK(e.code == "invalid_json");
      CHECK(e.field.empty());
    }
  }

  TEST_CASE("bytes that are not UTF-8 are invalid_json") {
    for (const std::string& text : {std::string("{\"name\": \"\xFF\"}"), std::string("{\"name\": \"Ann\xC3\"}"),
                                    std::string("{\"name\": \"\xC0\xAF\"}"),          // overlong "/"
                                    std::string("{\"name\": \"\xED\xA0\x80\"}"),      // a UTF-16 surrogate
                                    std::string("{\"name\": \"\xF4\x90\x80\x80\"}"),  // past U+10FFFF
                                    std::string("{\"name\": \"Ann\x80\"}"), std::string("{\"\xFE\": 1}")}) {
      CAPTURE(text);
      CHECK(bad_json(text).code == "invalid_json");
    }
  }

  TEST_CASE("nesting up to 16 levels parses, 17 is invalid_json") {
    const std::string sixteen = repeat("[", 16) + repeat("]", 16);
    CHECK(std::holds_alternative<json>(parse_json_body(sixteen)));
    const std::string seventeen = "{\"a\":" + repeat("[", 16) + repeat("]", 16) + "}";
    CHECK(bad_json(seventeen).code == "invalid_json");
    CHECK(bad_json(repeat("[", 100000) + repeat("]", 100000)).code == "invalid_json");
    CHECK(bad_json(repeat("[", 100000)).code == "invalid_json");
  }

  TEST_CASE("brackets inside strings do not count as nesting") {
    const std::string text = R"({"name": ")" + repeat("[{", 50) + R"(\"]]]]"})";
    auto r = parse_json_body(text);
    REQUIRE(std::holds_alternative<json>(r));
    CHECK(std::get<json>(r)["name"].get<std::string>().size() == 105);
  }
}

TEST_SUITE("utf8_length") {
  TEST_CASE("counts code points") {
    CHECK(utf8_length("") == 0);
    CHECK(utf8_length("Ann") == 3);
    CHECK(utf8_length("J\xC3\xBCrgen") == 6);
    CHECK(utf8_length("\xE2\x82\xAC") == 1);
    CHECK(utf8_length("\xF0\x9F\x98\x80!") == 2);
  }
}

TEST_SUITE("validate_order tax and language") {
  TEST_CASE("a business buyer's VAT id is kept normalized; none is empty") {
    CHECK(accepted(good_order()).customer.vat_id.empty());
    CHECK(accepted(with(good_order(), "/customer/vat_id"_json_pointer, "de 123.456-789")).customer.vat_id ==
          "DE123456789");
    CHECK(accepted(with(good_order(), "/customer/vat_id"_json_pointer, nullptr)).customer.vat_id.empty());
    CHECK(accepted(with(good_order(), "/customer/vat_id"_json_pointer, "")).customer.vat_id.empty());
  }

  TEST_CASE("a VAT id that is not an EU member state's shape is refused") {
    check_invalid(with(good_order(), "/customer/vat_id"_json_pointer, "DE12345"), "customer.vat_id");
    check_invalid(with(good_order(), "/customer/vat_id"_json_pointer, "CHE-123.456.789"), "customer.vat_id");
    check_invalid(with(good_order(), "/customer/vat_id"_json_pointer, 123456789), "customer.vat_id");
    check_invalid(with(good_order(), "/customer/vat_id"_json_pointer, repeat("1", 41)), "customer.vat_id");
  }

  TEST_CASE("the locale is en, de or fr, with or without a region; none is the shop's") {
    CHECK(accepted(good_order()).locale.empty());
    CHECK(accepted(with(good_order(), "/locale"_json_pointer, "de")).locale == "de");
    CHECK(accepted(with(good_order(), "/locale"_json_pointer, "fr-BE")).locale == "fr");
    CHECK(accepted(with(good_order(), "/locale"_json_pointer, "DE_at")).locale == "de");
    check_invalid(with(good_order(), "/locale"_json_pointer, "es"), "locale");
    check_invalid(with(good_order(), "/locale"_json_pointer, "english"), "locale");
    check_invalid(with(good_order(), "/locale"_json_pointer, true), "locale");
  }

  TEST_CASE("a locale next to the VAT id, under customer, is read when there is none at the top") {
    CHECK(accepted(with(good_order(), "/customer/locale"_json_pointer, "fr")).locale == "fr");
    check_invalid(with(good_order(), "/customer/locale"_json_pointer, "it"), "customer.locale");
    json both = with(good_order(), "/customer/locale"_json_pointer, "fr");
    both["locale"] = "de";
    CHECK(accepted(both).locale == "de");
  }
}
