// Checking a POST /orders body before anything is stored.
//
// Pure functions: JSON in, a NewOrder or the first FieldError out. The
// limits are SPEC section 3's; `field` is the path of the offending input,
// e.g. "items[0].qty". Unknown fields are ignored (a storefront may send more
// than shopd needs, such as its own prices: those are never read).
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>
#include <variant>

#include "core/order.h"
#include "http/field_error.h"

namespace shopd {

inline constexpr int kMaxJsonDepth = 16;
inline constexpr size_t kMaxItems = 100;
inline constexpr int kMaxQty = 1000;
inline constexpr size_t kMaxTextChars = 200;   // names and address lines
inline constexpr size_t kMaxEmailBytes = 254;
inline constexpr size_t kMaxSkuChars = 64;

// invalid_json when the text is not JSON, not UTF-8, or nested deeper than kMaxJsonDepth.
std::variant<nlohmann::json, FieldError> parse_json_body(std::string_view body);

std::variant<NewOrder, FieldError> validate_order(const nlohmann::json& body);

// Shape checks shared with the admin API.
bool is_email_shaped(std::string_view email);
bool is_valid_sku(std::string_view sku);
// Number of Unicode code points in valid UTF-8.
size_t utf8_length(std::string_view text);

}  // namespace shopd
