// Fuzz target: a POST /orders body from raw bytes, through parse_json_body
// and validate_order (src/http/validate_order.cpp).
//
// Properties, beyond "no crash, no sanitizer report":
// - a refused body is a 400 with the SPEC's code (invalid_json for the
//   parser, invalid_request with a field path for the validator);
// - an accepted body is never nested deeper than kMaxJsonDepth;
// - an accepted order keeps every limit of SPEC section 3 and holds exactly
//   the values the body sent (nothing truncated, wrapped or reinterpreted;
//   the VAT id normalized, the locale reduced to its language).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "config/config.h"
#include "http/validate_order.h"
#include "tax/vat_id.h"

using namespace shopd;
using shopd::fuzz::is_utf8;
using nlohmann::json;

namespace {

int depth_of(const json& j) {
  if (!j.is_structured()) return 0;
  int deepest = 0;
  for (const auto& child : j) deepest = std::max(deepest, depth_of(child));
  return deepest + 1;
}

bool has_control_chars(std::string_view s) {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) return true;
  }
  return false;
}

// Free text as a customer typed it: valid UTF-8, on one line, within its limit.
void check_text(const std::string& value, size_t max_chars, bool required, const char* what) {
  FUZZ_REQUIRE(!required || !value.empty(), what);
  FUZZ_REQUIRE(is_utf8(value), what);
  FUZZ_REQUIRE(utf8_length(value) <= max_chars, what);
  FUZZ_REQUIRE(!has_control_chars(value), what);
}

// The string the body holds at `pointer`, or "" when absent or null.
std::string sent(const json& body, const char* pointer) {
  const json::json_pointer at(pointer);
  if (!body.contains(at) || body.at(at).is_null()) return "";
  return body.at(at).get<std::string>();
}

void check_accepted(const json& body, const NewOrder& order) {
  FUZZ_REQUIRE(depth_of(body) <= kMaxJsonDepth, body.dump());

  check_text(order.customer.email, kMaxEmailBytes, true, "customer.email");
  FUZZ_REQUIRE(order.customer.email.size() <= kMaxEmailBytes, order.customer.email);
  FUZZ_REQUIRE(is_email_shaped(order.customer.email), order.customer.email);
  FUZZ_REQUIRE(order.customer.email == sent(body, "/customer/email"), order.customer.email);
  check_text(order.customer.name, kMaxTextChars, true, "customer.name");
  FUZZ_REQUIRE(order.customer.name == sent(body, "/customer/name"), order.customer.name);
  // The VAT id is the one sent, normalized (upper case, no spaces, dots or
  // hyphens), and normalizing it again changes nothing.
  const std::string vat_id = sent(body, "/customer/vat_id");
  FUZZ_REQUIRE(order.customer.vat_id == (vat_id.empty() ? "" : tax::normalize_vat_id(vat_id).value_or("?")),
               order.customer.vat_id);
  FUZZ_REQUIRE(vat_id.empty() || tax::normalize_vat_id(order.customer.vat_id) == order.customer.vat_id, vat_id);
  // The locale is one shopd has texts for, or empty (the shop's).
  FUZZ_REQUIRE(order.locale.empty() || is_supported_locale(order.locale), order.locale);

  FUZZ_REQUIRE(!order.items.empty() && order.items.size() <= kMaxItems, "items count");
  const json& items = body.at("items");
  FUZZ_REQUIRE(items.size() == order.items.size(), "every item line is kept");
  for (size_t i = 0; i < order.items.size(); ++i) {
    const OrderLine& line = order.items[i];
    FUZZ_REQUIRE(is_valid_sku(line.sku), line.sku);
    FUZZ_REQUIRE(line.sku == items[i].at("sku").get<std::string>(), line.sku);
    FUZZ_REQUIRE(line.qty >= 1 && line.qty <= kMaxQty, std::to_string(line.qty));
    FUZZ_REQUIRE(items[i].at("qty").is_number_integer(), items[i].dump());
    FUZZ_REQUIRE(items[i].at("qty").get<int64_t>() == line.qty, items[i].dump());
  }

  const std::string& token = order.payment_method;
  FUZZ_REQUIRE(token.starts_with("pm_") && token.size() > 3 && token.size() <= 255, token);
  FUZZ_REQUIRE(token == sent(body, "/payment/token"), token);

  const Address& a = order.shipping;
  check_text(a.line1, kMaxTextChars, true, "shipping_address.line1");
  check_text(a.line2, kMaxTextChars, false, "shipping_address.line2");
  check_text(a.city, kMaxTextChars, true, "shipping_address.city");
  check_text(a.postal_code, 32, false, "shipping_address.postal_code");
  FUZZ_REQUIRE(a.line1 == sent(body, "/shipping_address/line1"), a.line1);
  FUZZ_REQUIRE(a.line2 == sent(body, "/shipping_address/line2"), a.line2);
  FUZZ_REQUIRE(a.city == sent(body, "/shipping_address/city"), a.city);
  FUZZ_REQUIRE(a.postal_code == sent(body, "/shipping_address/postal_code"), a.postal_code);
  FUZZ_REQUIRE(a.country.size() == 2 && a.country[0] >= 'A' && a.country[0] <= 'Z' && a.country[1] >= 'A' &&
                   a.country[1] <= 'Z',
               a.country);
}

void check_refused(const json& body, const FieldError& e) {
  FUZZ_REQUIRE(e.http_status == 400, e.code);
  FUZZ_REQUIRE(e.code == "invalid_request", e.code);
  FUZZ_REQUIRE(!e.message.empty(), e.field);
  // The field names the input, except when the body is not an object at all.
  FUZZ_REQUIRE(e.field.empty() == !body.is_object(), e.field);
  FUZZ_REQUIRE(!has_control_chars(e.field) && !has_control_chars(e.message), e.message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_json_body(text);
  if (const auto* e = std::get_if<FieldError>(&parsed)) {
    FUZZ_REQUIRE(e->http_status == 400 && e->code == "invalid_json" && e->field.empty(), e->code);
    return 0;
  }
  const json& body = std::get<json>(parsed);
  FUZZ_REQUIRE(depth_of(body) <= kMaxJsonDepth, "the parser accepted a body nested too deeply");
  auto validated = validate_order(body);
  if (const auto* order = std::get_if<NewOrder>(&validated)) check_accepted(body, *order);
  else check_refused(body, std::get<FieldError>(validated));
  return 0;
}
