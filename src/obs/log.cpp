#include "obs/log.h"

#include <unistd.h>

#include <atomic>
#include <cctype>

#include "core/redact.h"
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

bool is_local_part_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
bool is_domain_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-'; }

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

std::string mask_emails(std::string_view text) {
  std::string out;
  size_t copied = 0;
  for (size_t at = text.find('@'); at != std::string_view::npos; at = text.find('@', at + 1)) {
    size_t start = at;
    while (start > copied && is_local_part_char(text[start - 1])) --start;
    size_t end = at + 1;
    while (end < text.size() && is_domain_char(text[end])) ++end;
    const auto domain = text.substr(at + 1, end - at - 1);
    if (start == at || domain.find('.') == std::string_view::npos) continue;
    out.append(text.substr(copied, start - copied)).append(mask_email(text.substr(start, end - start)));
    copied = end;
  }
  out.append(text.substr(copied));
  return out;
}

std::string redact(std::string_view value) { return mask_emails(scrub_secrets(value)); }

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
