#include "core/time.h"

#include <cstdio>
#include <ctime>

namespace shopd {

TimePoint SystemClock::now() const {
  return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
}

std::string format_iso(TimePoint t) {
  const auto ms_since_epoch = t.time_since_epoch().count();
  auto secs = static_cast<std::time_t>(ms_since_epoch / 1000);
  auto ms = static_cast<int>(ms_since_epoch % 1000);
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

std::optional<TimePoint> parse_iso(std::string_view text) {
  int y, mo, d, h, mi, s, ms = 0, consumed = 0;
  const std::string str(text);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &consumed) != 6)
    return std::nullopt;
  std::string_view rest = text.substr(static_cast<size_t>(consumed));
  if (rest.size() == 5 && rest[0] == '.') {
    if (std::sscanf(str.c_str() + consumed, ".%3d", &ms) != 1) return std::nullopt;
    rest.remove_prefix(4);
  }
  if (rest != "Z") return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  const std::time_t secs = timegm(&tm);
  return TimePoint(Millis(static_cast<int64_t>(secs) * 1000 + ms));
}

}  // namespace shopd
