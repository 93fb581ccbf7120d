#include "tax/vat_id.h"

#include <regex>
#include <utility>
#include <vector>

namespace shopd::tax {

namespace {

// The number after the prefix, per member state, as the European
// Commission's VIES describes the formats (check digits are not verified).
const std::vector<std::pair<std::string_view, std::regex>>& formats() {
  static const std::vector<std::pair<std::string_view, std::regex>> all = [] {
    const std::pair<std::string_view, const char*> patterns[] = {
        {"AT", "U[0-9]{8}"},
        {"BE", "[01][0-9]{9}"},
        {"BG", "[0-9]{9,10}"},
        {"CY", "[0-9]{8}[A-Z]"},
        {"CZ", "[0-9]{8,10}"},
        {"DE", "[0-9]{9}"},
        {"DK", "[0-9]{8}"},
        {"EE", "[0-9]{9}"},
        {"EL", "[0-9]{9}"},
        {"ES", "[0-9A-Z][0-9]{7}[0-9A-Z]"},
        {"FI", "[0-9]{8}"},
        {"FR", "[0-9A-HJ-NP-Z]{2}[0-9]{9}"},
        {"HR", "[0-9]{11}"},
        {"HU", "[0-9]{8}"},
        {"IE", "[0-9]{7}[A-W][A-I]?|[0-9][A-Z+*][0-9]{5}[A-W]"},
        {"IT", "[0-9]{11}"},
        {"LT", "[0-9]{9}|[0-9]{12}"},
        {"LU", "[0-9]{8}"},
        {"LV", "[0-9]{11}"},
        {"MT", "[0-9]{8}"},
        {"NL", "[0-9]{9}B[0-9]{2}"},
        {"PL", "[0-9]{10}"},
        {"PT", "[0-9]{9}"},
        {"RO", "[1-9][0-9]{1,9}"},
        {"SE", "[0-9]{10}01"},
        {"SI", "[0-9]{8}"},
        {"SK", "[0-9]{10}"},
    };
    std::vector<std::pair<std::string_view, std::regex>> out;
    for (const auto& [prefix, pattern] : patterns) out.emplace_back(prefix, std::regex(pattern));
    return out;
  }();
  return all;
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
  for (const auto& [state, format] : formats())
    if (state == prefix) return std::regex_match(id.begin() + 2, id.end(), format) ? std::optional(id) : std::nullopt;
  return std::nullopt;
}

std::string vat_id_country(std::string_view normalized) {
  const std::string_view prefix = normalized.substr(0, 2);
  return prefix == "EL" ? "GR" : std::string(prefix);
}

}  // namespace shopd::tax
