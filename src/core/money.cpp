#include "core/money.h"

#include <cstdio>
#include <cstdlib>

namespace shopd {

std::string format_money(int64_t cents, const std::string& currency) {
  char buf[64];
  const long long abs_cents = std::llabs(static_cast<long long>(cents));
  std::snprintf(buf, sizeof buf, "%s%lld.%02lld %s", cents < 0 ? "-" : "", abs_cents / 100, abs_cents % 100,
                currency.c_str());
  return buf;
}

}  // namespace shopd
