// Money is integer cents everywhere; this only formats it for people.
#pragma once

#include <cstdint>
#include <string>

namespace shopd {

// 123456, "EUR" -> "1234.56 EUR"
std::string format_money(int64_t cents, const std::string& currency);

}  // namespace shopd
