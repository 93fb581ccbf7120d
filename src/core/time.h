// Wall-clock time as shopd stores it: ISO-8601 UTC text with milliseconds,
// e.g. "2026-11-28T04:30:21.123Z". Every time in the database has exactly this
// shape, so text comparison in SQL orders times correctly.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace shopd {

using TimePoint = std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>;
using Millis = std::chrono::milliseconds;

// The source of "now". Code that decides things from time takes a Clock (or a
// TimePoint) so tests can pass a fixed one.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override;
};

std::string format_iso(TimePoint t);
// Accepts the shape format_iso writes, with or without the milliseconds.
std::optional<TimePoint> parse_iso(std::string_view text);

}  // namespace shopd
