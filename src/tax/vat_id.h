// EU VAT identification numbers as a business buyer gives them
// (`customer.vat_id`): the format is checked, the number is not. shopd does
// not ask the EU's VIES service whether it exists (it runs offline); an owner
// who relies on the exemption confirms the number in VIES before shipping.
// Pure, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace shopd::tax {

// "de 123.456.789" -> "DE123456789": upper case, without spaces, dots and
// hyphens. Nullopt unless the result has the shape of a VAT id of an EU member
// state (the country prefix, then that state's digits and letters; Greece
// "EL"). Northern Ireland's "XI" numbers are not accepted.
std::optional<std::string> normalize_vat_id(std::string_view text);

// The member state that issued a normalized VAT id, as ISO 3166-1 alpha-2:
// "DE123456789" -> "DE", "EL123456789" -> "GR".
std::string vat_id_country(std::string_view normalized);

}  // namespace shopd::tax
