#include "obs/log.h"

#include <unistd.h>

#include <atomic>

#include "core/time.h"

namespace shopd::log {

namespace {

std::atomic<Level> g_min_level{Level::info};

const char* level_name(Level level) {
  switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
    case Level::critical: return "critical";
    case Level::off: return "off";
  }
  return "info";
}

bool looks_like_email(std::string_view v) {
  const auto at = v.find('@');
  return at != std::string_view::npos && at > 0 && v.find('.', at) != std::string_view::npos &&
         v.find(' ') == std::string_view::npos;
}

bool looks_like_secret(std::string_view v) {
  for (std::string_view prefix : {"pm_", "sk_", "rk_", "whsec_", "tok_", "Bearer "})
    if (v.substr(0, prefix.size()) == prefix) return true;
  return false;
}

void redact_in_place(nlohmann::json& j) {
  if (j.is_string()) {
    j = redact(j.get_ref<const std::string&>());
  } else if (j.is_structured()) {
    for (auto& child : j) redact_in_place(child);
  }
}

}  // namespace

void set_min_level(Level level) { g_min_level = level; }

std::string mask_email(std::string_view email) {
  const auto at = email.find('@');
  if (at == std::string_view::npos || at == 0) return "***";
  return std::string(email.substr(0, 1)) + "***" + std::string(email.substr(at));
}

std::string redact(std::string_view value) {
  if (looks_like_secret(value)) return "[redacted]";
  if (looks_like_email(value)) return mask_email(value);
  return std::string(value);
}

std::string format_line(Level level, std::string_view msg, const nlohmann::json& fields, std::string_view ts) {
  nlohmann::ordered_json line = nlohmann::ordered_json::object();
  line["ts"] = ts;
  line["level"] = level_name(level);
  line["msg"] = msg;
  if (fields.is_object()) {
    for (auto it = fields.begin(); it != fields.end(); ++it) {
      if (it.key() == "ts" || it.key() == "level" || it.key() == "msg") continue;
      nlohmann::json v = it.value();
      redact_in_place(v);
      line[it.key()] = nlohmann::ordered_json(v);
    }
  }
  // Replace, not throw, on invalid UTF-8: a log line must never take the process down.
  return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void write(Level level, std::string_view msg, nlohmann::json fields) {
  if (level < g_min_level.load(std::memory_order_relaxed)) return;
  std::string out = format_line(level, msg, fields, format_iso(SystemClock().now()));
  out.push_back('\n');
  // One write(2) per line keeps lines whole when threads log at once.
  const char* p = out.data();
  size_t left = out.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) break;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace shopd::log
