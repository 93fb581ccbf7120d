#include "http/validate_order.h"

#include <algorithm>

#include "config/config.h"
#include "tax/vat_id.h"

namespace shopd {

namespace {

FieldError invalid(std::string field, std::string message) {
  return FieldError{400, "invalid_request", std::move(message), std::move(field)};
}

// Depth of the deepest array/object, counted without parsing so that a
// hostile body cannot make the parser recurse deeply.
int max_nesting(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') deepest = std::max(deepest, ++depth);
    else if (c == '}' || c == ']') --depth;
  }
  return deepest;
}

// C0 controls, DEL, and the C1 controls U+0080-U+009F (UTF-8 C2 80 - C2 9F):
// invisible in a name, but they end up on invoices, in emails and in logs.
// The text is valid UTF-8 here (nlohmann checked it), so C2 is a lead byte.
bool has_control_chars(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto u = static_cast<unsigned char>(text[i]);
    if (u < 0x20 || u == 0x7F) return true;
    if (u == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9F) return true;
  }
  return false;
}

// Reads body[key] as a string. `required` text must be non-empty.
std::variant<std::string, FieldError> text_field(const nlohmann::json& obj, const std::string& key,
                                                 const std::string& path, size_t max_chars, bool required) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) return invalid(path, "is required");
    return std::string();
  }
  if (!it->is_string()) return invalid(path, "must be a string");
  const auto& s = it->get_ref<const std::string&>();
  if (required && s.empty()) return invalid(path, "must not be empty");
  if (utf8_length(s) > max_chars)
    return invalid(path, "must be at most " + std::to_string(max_chars) + " characters");
  if (has_control_chars(s)) return invalid(path, "must not contain control characters");
  return s;
}

// Reads obj[key] as an object.
std::variant<const nlohmann::json*, FieldError> object_field(const nlohmann::json& obj, const std::string& key,
                                                             const std::string& path) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return invalid(path, "is required");
  if (!it->is_object()) return invalid(path, "must be an object");
  return &*it;
}

#define TAKE(var, expr)                                         \
  auto var##_r = (expr);                                        \
  if (auto* e = std::get_if<FieldError>(&var##_r)) return *e;   \
  auto var = std::move(std::get<0>(var##_r))

std::variant<Customer, FieldError> read_customer(const nlohmann::json& body) {
  TAKE(obj, object_field(body, "customer", "customer"));
  TAKE(email, text_field(*obj, "email", "customer.email", kMaxEmailBytes, true));
  if (email.size() > kMaxEmailBytes) return invalid("customer.email", "must be at most 254 characters");
  if (!is_email_shaped(email)) return invalid("customer.email", "must be an email address like ann@example.com");
  TAKE(name, text_field(*obj, "name", "customer.name", kMaxTextChars, true));
  TAKE(vat_id, text_field(*obj, "vat_id", "customer.vat_id", 40, false));
  if (!vat_id.empty()) {
    const auto normalized = tax::normalize_vat_id(vat_id);
    if (!normalized)
      return invalid("customer.vat_id",
                     "must be an EU VAT identification number such as DE123456789 or FR40303265045 (its format is "
                     "checked, not its registration)");
    vat_id = *normalized;
  }
  return Customer{std::move(email), std::move(name), std::move(vat_id)};
}

std::variant<OrderLine, FieldError> read_line(const nlohmann::json& item, const std::string& path) {
  if (!item.is_object()) return invalid(path, "must be an object with sku and qty");
  TAKE(sku, text_field(item, "sku", path + ".sku", kMaxSkuChars, true));
  if (!is_valid_sku(sku)) return invalid(path + ".sku", "must be 1-64 printable ASCII characters");
  auto qty = item.find("qty");
  const std::string qty_path = path + ".qty";
  if (qty == item.end() || qty->is_null()) return invalid(qty_path, "is required");
  if (!qty->is_number_integer()) return invalid(qty_path, "must be an integer");
  // A literal without a sign parses as unsigned, so 0 must be refused on both branches.
  const bool in_range = qty->is_number_unsigned()
                            ? qty->get<uint64_t>() >= 1 && qty->get<uint64_t>() <= kMaxQty
                            : qty->get<int64_t>() >= 1 && qty->get<int64_t>() <= kMaxQty;
  if (!in_range) return invalid(qty_path, "must be between 1 and 1000");
  return OrderLine{std::move(sku), static_cast<int>(qty->get<int64_t>())};
}

std::variant<std::vector<OrderLine>, FieldError> read_items(const nlohmann::json& body) {
  auto it = body.find("items");
  if (it == body.end() || it->is_null()) return invalid("items", "is required");
  if (!it->is_array()) return invalid("items", "must be an array");
  if (it->empty()) return invalid("items", "must contain at least one item");
  if (it->size() > kMaxItems) return invalid("items", "must contain at most 100 items");
  std::vector<OrderLine> lines;
  lines.reserve(it->size());
  for (size_t i = 0; i < it->size(); ++i) {
    TAKE(line, read_line((*it)[i], "items[" + std::to_string(i) + "]"));
    lines.push_back(std::move(line));
  }
  return lines;
}

std::variant<std::string, FieldError> read_payment_method(const nlohmann::json& body) {
  TAKE(obj, object_field(body, "payment", "payment"));
  TAKE(token, text_field(*obj, "token", "payment.token", 255, true));
  const bool shaped = token.rfind("pm_", 0) == 0 && token.size() > 3 &&
                      std::all_of(token.begin(), token.end(), [](char c) {
                        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
                      });
  if (!shaped) return invalid("payment.token", "must be a Stripe PaymentMethod id (pm_...)");
  return token;
}

std::variant<Address, FieldError> read_address(const nlohmann::json& body) {
  TAKE(obj, object_field(body, "shipping_address", "shipping_address"));
  TAKE(line1, text_field(*obj, "line1", "shipping_address.line1", kMaxTextChars, true));
  TAKE(line2, text_field(*obj, "line2", "shipping_address.line2", kMaxTextChars, false));
  TAKE(city, text_field(*obj, "city", "shipping_address.city", kMaxTextChars, true));
  TAKE(postal_code, text_field(*obj, "postal_code", "shipping_address.postal_code", 32, false));
  TAKE(country, text_field(*obj, "country", "shipping_address.country", 2, true));
  std::transform(country.begin(), country.end(), country.begin(), [](char c) {
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  });
  if (country.size() != 2 || !std::all_of(country.begin(), country.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
    return invalid("shipping_address.country", "must be a two-letter ISO 3166-1 country code");
  return Address{std::move(line1), std::move(line2), std::move(city), std::move(postal_code), std::move(country)};
}

// "de", "DE", "de-AT", "de_DE" -> "de"; absent -> "" (the shop's locale).
// SPEC names it `locale`; `customer.locale`, where a storefront may put it
// next to the VAT id, is read when there is no top-level one.
std::variant<std::string, FieldError> read_locale(const nlohmann::json& body) {
  const auto customer = body.find("customer");
  const bool nested = !body.contains("locale") && customer != body.end() && customer->is_object() &&
                      customer->contains("locale");
  const std::string path = nested ? "customer.locale" : "locale";
  TAKE(text, text_field(nested ? *customer : body, "locale", path, 35, false));
  std::string language = text.substr(0, text.find_first_of("-_"));
  std::transform(language.begin(), language.end(), language.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  if (!text.empty() && !is_supported_locale(language))
    return invalid(path, "must be one of en, de, fr (a region such as de-AT is allowed)");
  return language;
}

}  // namespace

size_t utf8_length(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

bool is_valid_sku(std::string_view sku) {
  return !sku.empty() && sku.size() <= kMaxSkuChars &&
         std::all_of(sku.begin(), sku.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

bool is_email_shaped(std::string_view email) {
  if (email.size() < 3 || email.size() > kMaxEmailBytes) return false;
  const auto at = email.rfind('@');
  if (at == std::string_view::npos || at == 0 || at > 64) return false;
  const auto local = email.substr(0, at);
  const auto domain = email.substr(at + 1);
  static constexpr std::string_view kLocalSpecials = ".!#$%&'*+/=?^_`{|}~-";
  auto is_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  for (char c : local)
    if (!is_alnum(c) && kLocalSpecials.find(c) == std::string_view::npos) return false;
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return false;
  // Domain: dot-separated labels of letters, digits and inner hyphens; a real TLD.
  if (domain.empty() || domain.find('.') == std::string_view::npos) return false;
  size_t start = 0;
  while (start <= domain.size()) {
    const size_t dot = std::min(domain.find('.', start), domain.size());
    const auto label = domain.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!is_alnum(c) && c != '-') return false;
    if (dot == domain.size()) {
      const bool tld_has_letter = std::any_of(label.begin(), label.end(), [](char c) { return !(c >= '0' && c <= '9'); });
      if (label.size() < 2 || !tld_has_letter) return false;
      break;
    }
    start = dot + 1;
  }
  return true;
}

std::variant<nlohmann::json, FieldError> parse_json_body(std::string_view body) {
  if (max_nesting(body) > kMaxJsonDepth)
    return FieldError{400, "invalid_json", "JSON is nested deeper than 16 levels", ""};
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded())
    return FieldError{400, "invalid_json", "request body is not valid UTF-8 JSON", ""};
  return doc;
}

std::variant<NewOrder, FieldError> validate_order(const nlohmann::json& body) {
  if (!body.is_object()) return invalid("", "request body must be a JSON object");
  NewOrder order;
  TAKE(customer, read_customer(body));
  TAKE(items, read_items(body));
  TAKE(payment_method, read_payment_method(body));
  TAKE(shipping, read_address(body));
  TAKE(locale, read_locale(body));
  order.customer = std::move(customer);
  order.locale = std::move(locale);
  order.items = std::move(items);
  order.payment_method = std::move(payment_method);
  order.shipping = std::move(shipping);
  return order;
}

#undef TAKE

}  // namespace shopd
