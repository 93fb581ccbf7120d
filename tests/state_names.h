// Lets tests compare states with the names an owner sees in the database and
// the API ("dead", "payment_failed"), and doctest print them by name.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "core/states.h"

namespace shopd {

inline bool operator==(JobState s, std::string_view name) { return to_string(s) == name; }
inline bool operator==(OrderStatus s, std::string_view name) { return to_string(s) == name; }
inline bool operator==(StepState s, std::string_view name) { return to_string(s) == name; }
inline bool operator==(RefundState s, std::string_view name) { return to_string(s) == name; }
inline bool operator==(StockState s, std::string_view name) { return to_string(s) == name; }
inline bool operator==(AttemptOutcome o, std::string_view name) { return to_string(o) == name; }
inline bool operator==(ChannelState s, std::string_view name) { return to_string(s) == name; }

}  // namespace shopd

namespace doctest {

template <>
struct StringMaker<shopd::JobState> {
  static String convert(shopd::JobState s) { return std::string(to_string(s)).c_str(); }
};
template <>
struct StringMaker<shopd::OrderStatus> {
  static String convert(shopd::OrderStatus s) { return std::string(to_string(s)).c_str(); }
};
template <>
struct StringMaker<shopd::RefundState> {
  static String convert(shopd::RefundState s) { return std::string(to_string(s)).c_str(); }
};
template <>
struct StringMaker<shopd::StepState> {
  static String convert(shopd::StepState s) { return std::string(to_string(s)).c_str(); }
};
template <>
struct StringMaker<shopd::StockState> {
  static String convert(shopd::StockState s) { return std::string(to_string(s)).c_str(); }
};
template <>
struct StringMaker<shopd::AttemptOutcome> {
  static String convert(shopd::AttemptOutcome o) { return std::string(to_string(o)).c_str(); }
};
template <>
struct StringMaker<shopd::ChannelState> {
  static String convert(shopd::ChannelState s) { return std::string(to_string(s)).c_str(); }
};

}  // namespace doctest
