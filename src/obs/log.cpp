#include "obs/log.h"

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <charconv>

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

// One write(2) per line keeps lines whole when threads log at once.
void write_out(const std::string& out) {
  const char* p = out.data();
  size_t left = out.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) break;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

// As nlohmann::json dumps a string: quotes, backslashes and control
// characters escaped; bytes that are not ASCII become U+FFFD, as invalid
// UTF-8 does there (the access line's strings are ASCII when well-formed).
void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      switch (c) {
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        case '\b': out.append("\\b"); break;
        case '\f': out.append("\\f"); break;
        default:
          out.append("\\u00");
          out.push_back(kHex[u >> 4]);
          out.push_back(kHex[u & 0xF]);
      }
    } else if (u >= 0x80) {
      out.append("\xEF\xBF\xBD");
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

// As nlohmann::json dumps a double: the shortest text that reads back the
// same, with ".0" on whole numbers.
void append_json_number(std::string& out, double value) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  std::string_view text(buf, ec == std::errc() ? static_cast<size_t>(end - buf) : 0);
  out.append(text.empty() ? "0" : text);
  if (text.find_first_of(".e") == std::string_view::npos) out.append(".0");
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
  write_out(out);
}

std::string format_access_line(const AccessLine& line, std::string_view ts) {
  std::string out;
  out.reserve(256);
  out.append(R"({"ts":)");
  append_json_string(out, ts);
  out.append(R"(,"level":"info","msg":"request","duration_ms":)");
  append_json_number(out, line.duration_ms);
  out.append(R"(,"method":)");
  append_json_string(out, line.method);
  if (!line.order_id.empty()) {
    out.append(R"(,"order_id":)");
    append_json_string(out, line.order_id);
  }
  out.append(R"(,"request_id":)");
  append_json_string(out, redact(line.request_id));
  out.append(R"(,"route":)");
  append_json_string(out, line.route);
  out.append(R"(,"status":)");
  out.append(std::to_string(line.status));
  out.push_back('}');
  return out;
}

void access(const AccessLine& line) {
  if (Level::info < g_min_level.load(std::memory_order_relaxed)) return;
  std::string out = format_access_line(line, format_iso(SystemClock().now()));
  out.push_back('\n');
  write_out(out);
}

}  // namespace shopd::log
