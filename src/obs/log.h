// Structured logs: one JSON object per line on stderr, with `ts`, `level`,
// `msg` and whatever fields apply (request_id, order_id, job_id, kind,
// attempt, duration_ms, ...).
//
// Privacy is enforced here as a last line of defence, on every string of every
// field: email addresses anywhere in the text are masked (a***@example.com),
// and secrets and card tokens are scrubbed (core/redact.h: scrub_secrets).
// Callers should still not pass such values.
//
// Thread-safe; each line is written with one write(2).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace shopd::log {

// `off` is only a minimum level: unit tests use it to keep their output readable.
enum class Level { debug, info, warn, error, critical, off };

void set_min_level(Level level);
void write(Level level, std::string_view msg, nlohmann::json fields = nlohmann::json::object());

inline void debug(std::string_view msg, nlohmann::json f = nlohmann::json::object()) { write(Level::debug, msg, std::move(f)); }
inline void info(std::string_view msg, nlohmann::json f = nlohmann::json::object()) { write(Level::info, msg, std::move(f)); }
inline void warn(std::string_view msg, nlohmann::json f = nlohmann::json::object()) { write(Level::warn, msg, std::move(f)); }
inline void error(std::string_view msg, nlohmann::json f = nlohmann::json::object()) { write(Level::error, msg, std::move(f)); }
inline void critical(std::string_view msg, nlohmann::json f = nlohmann::json::object()) { write(Level::critical, msg, std::move(f)); }

// One HTTP request's access line: the line write(Level::info, "request", ...)
// prints for these fields (same keys, same order), formatted without
// nlohmann::json. It is written for every request, and through the general
// path it was the largest cost of answering an order after the database.
// The request id is redacted like any field; the rest is shopd's own (a
// method, a route pattern, a status, an order id) and is only escaped.
struct AccessLine {
  std::string_view request_id;
  std::string_view method;
  std::string_view route;
  int status = 0;
  double duration_ms = 0;
  std::string_view order_id;  // omitted when empty
};
void access(const AccessLine& line);
// The line `access` would print, without the newline (for tests).
std::string format_access_line(const AccessLine& line, std::string_view ts);

// "ann@example.com" -> "a***@example.com"
std::string mask_email(std::string_view email);
// Masks every email address in the text: "rejected <ann@example.com>" -> "rejected <a***@example.com>".
std::string mask_emails(std::string_view text);
// Applies the rules above to one string value (what every log field goes through).
std::string redact(std::string_view value);
// The line `write` would print, without the newline (for tests).
std::string format_line(Level level, std::string_view msg, const nlohmann::json& fields, std::string_view ts);

}  // namespace shopd::log
