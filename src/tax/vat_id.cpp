#include "tax/vat_id.h"

#include <string>
#include <utility>
#include <vector>

namespace shopd::tax {

namespace {

// The number after the prefix, per member state, as the European
// Commission's VIES describes the formats (check digits are not verified).
// A shape is one character per character of the number: d a digit, l a
// letter, a either, r a digit 1-9, b 0 or 1, k a digit or a letter but I and
// O (France's key), w a letter A-W, i a letter A-I, x a letter, + or *
// (Ireland's old numbers); anything else stands for itself (NL's "B",
// Sweden's closing "01"). (std::regex would do, but GCC 12 reports an
// uninitialized read inside it under -fsanitize=address.)
const std::vector<std::pair<std::string_view, std::vector<std::string>>>& formats() {
  static const std::vector<std::pair<std::string_view, std::vector<std::string>>> all = [] {
    const auto digits = [](size_t n) { return std::string(n, 'd'); };
    std::vector<std::string> romania;
    for (size_t n = 1; n <= 9; ++n) romania.push_back("r" + digits(n));
    return std::vector<std::pair<std::string_view, std::vector<std::string>>>{
        {"AT", {"U" + digits(8)}},
        {"BE", {"b" + digits(9)}},
        {"BG", {digits(9), digits(10)}},
        {"CY", {digits(8) + "l"}},
        {"CZ", {digits(8), digits(9), digits(10)}},
        {"DE", {digits(9)}},
        {"DK", {digits(8)}},
        {"EE", {digits(9)}},
        {"EL", {digits(9)}},
        {"ES", {"a" + digits(7) + "a"}},
        {"FI", {digits(8)}},
        {"FR", {"kk" + digits(9)}},
        {"HR", {digits(11)}},
        {"HU", {digits(8)}},
        {"IE", {digits(7) + "w", digits(7) + "wi", "dx" + digits(5) + "w"}},
        {"IT", {digits(11)}},
        {"LT", {digits(9), digits(12)}},
        {"LU", {digits(8)}},
        {"LV", {digits(11)}},
        {"MT", {digits(8)}},
        {"NL", {digits(9) + "B" + digits(2)}},
        {"PL", {digits(10)}},
        {"PT", {digits(9)}},
        {"RO", romania},
        {"SE", {digits(10) + "01"}},
        {"SI", {digits(8)}},
        {"SK", {digits(10)}},
    };
  }();
  return all;
}

bool fits(char c, char shape) {
  const bool digit = c >= '0' && c <= '9';
  const bool letter = c >= 'A' && c <= 'Z';
  switch (shape) {
    case 'd': return digit;
    case 'l': return letter;
    case 'a': return digit || letter;
    case 'r': return digit && c != '0';
    case 'b': return c == '0' || c == '1';
    case 'k': return digit || (letter && c != 'I' && c != 'O');
    case 'w': return c >= 'A' && c <= 'W';
    case 'i': return c >= 'A' && c <= 'I';
    case 'x': return letter || c == '+' || c == '*';
    default: return c == shape;
  }
}

bool has_shape(std::string_view number, const std::string& shape) {
  if (number.size() != shape.size()) return false;
  for (size_t i = 0; i < number.size(); ++i)
    if (!fits(number[i], shape[i])) return false;
  return true;
}

}  // namespace

std::optional<std::string> normalize_vat_id(std::string_view text) {
  if (text.size() > 40) return std::nullopt;
  std::string id;
  for (char c : text) {
    if (c == ' ' || c == '.' || c == '-') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    const bool allowed = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '*';
    if (!allowed) return std::nullopt;
    id += c;
  }
  if (id.size() < 4) return std::nullopt;
  const std::string_view prefix = std::string_view(id).substr(0, 2);
  const std::string_view number = std::string_view(id).substr(2);
  for (const auto& [state, shapes] : formats()) {
    if (state != prefix) continue;
    for (const auto& shape : shapes)
      if (has_shape(number, shape)) return id;
    return std::nullopt;
  }
  return std::nullopt;
}

std::string vat_id_country(std::string_view normalized) {
  const std::string_view prefix = normalized.substr(0, 2);
  return prefix == "EL" ? "GR" : std::string(prefix);
}

}  // namespace shopd::tax
