#include "core/country.h"

#include <algorithm>
#include <iterator>

namespace shopd {

namespace {

struct Country {
  std::string_view code;
  std::string_view name;
  std::string_view name_de;
  std::string_view name_fr;
};

constexpr Country kCountries[] = {
#include "countries.inc"
};

const Country* find(std::string_view alpha2) {
  const auto it = std::lower_bound(std::begin(kCountries), std::end(kCountries), alpha2,
                                   [](const Country& c, std::string_view code) { return c.code < code; });
  return it != std::end(kCountries) && it->code == alpha2 ? &*it : nullptr;
}

}  // namespace

std::string_view country_name(std::string_view alpha2) { return country_name(alpha2, "en"); }

std::string_view country_name(std::string_view alpha2, std::string_view locale) {
  const Country* c = find(alpha2);
  if (!c) return {};
  if (locale == "de") return c->name_de;
  if (locale == "fr") return c->name_fr;
  return c->name;
}

}  // namespace shopd
