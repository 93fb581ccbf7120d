#include "core/country.h"

#include <algorithm>
#include <iterator>

namespace shopd {

namespace {

struct Country {
  std::string_view code;
  std::string_view name;
};

constexpr Country kCountries[] = {
#include "countries.inc"
};

}  // namespace

std::string_view country_name(std::string_view alpha2) {
  const auto it = std::lower_bound(std::begin(kCountries), std::end(kCountries), alpha2,
                                   [](const Country& c, std::string_view code) { return c.code < code; });
  return it != std::end(kCountries) && it->code == alpha2 ? it->name : std::string_view{};
}

}  // namespace shopd
