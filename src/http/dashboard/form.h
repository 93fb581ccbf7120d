// Reading what a browser sends: an application/x-www-form-urlencoded body and
// the Cookie header. Pure functions, no I/O.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace shopd::dashboard {

// name -> value, percent-decoded, '+' as space. When a name repeats, the first
// value counts (so a second csrf field cannot override the first). A pair
// without '=' has an empty value; malformed escapes are kept as written.
std::map<std::string, std::string> parse_form(std::string_view body);

// Well-formed UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF)
// without control characters: what a person can type into a text field.
bool is_printable_utf8(std::string_view text);

// The value of cookie `name` in a Cookie header ("a=1; b=2"), if present.
std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name);

}  // namespace shopd::dashboard
