// Country names for people: the shop stores ISO 3166-1 alpha-2 codes ("DE"),
// documents print names ("Germany"). The table is generated at build time
// from Debian's iso-codes package and compiled in, so the binary alone is
// enough to deploy. Pure, thread-safe.
#pragma once

#include <string_view>

namespace shopd {

// The English name of an ISO 3166-1 alpha-2 code ("DE" -> "Germany",
// "KR" -> "South Korea"); upper case expected. Empty for an unknown code.
std::string_view country_name(std::string_view alpha2);
// The same in a document's language: "de" -> "Frankreich", "fr" -> "Allemagne"
// (iso-codes' translations); English for any other locale.
std::string_view country_name(std::string_view alpha2, std::string_view locale);

}  // namespace shopd
