#include "core/error.h"

#include "core/redact.h"

#include <string_view>

namespace shopd {

namespace {

constexpr size_t kBodyExcerptBytes = 500;

// Keeps the path from "src/" on, so records do not depend on the build machine.
std::string_view project_relative(std::string_view file) {
  const auto pos = file.rfind("src/");
  return pos == std::string_view::npos ? file : file.substr(pos);
}

}  // namespace

std::string where_of(const SourceLocation& loc) {
  return std::string(project_relative(loc.file_name())) + ":" + std::to_string(loc.line()) + " " +
         loc.function_name();
}

JobError JobError::transient(std::string code, std::string message, SourceLocation loc) {
  return JobError{Kind::Transient, std::move(code), scrub_secrets(message), 0, std::nullopt, "", where_of(loc), ""};
}

JobError JobError::permanent(std::string code, std::string message, SourceLocation loc) {
  return JobError{Kind::Permanent, std::move(code), scrub_secrets(message), 0, std::nullopt, "", where_of(loc), ""};
}

JobError JobError::unreachable(std::string code, std::string message, SourceLocation loc) {
  return JobError{Kind::Unreachable, std::move(code), scrub_secrets(message), 0, std::nullopt, "", where_of(loc), ""};
}

JobError& JobError::with_body(std::string_view body) {
  // Scrubbed before it is cut, so a secret at the cut cannot survive half-masked.
  const std::string clean = scrub_secrets(body);
  body_excerpt = std::string(utf8_prefix(clean, kBodyExcerptBytes));
  return *this;
}

std::string_view utf8_prefix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  // Step back to the lead byte of the sequence the cut falls in; drop that
  // sequence if the cut leaves it incomplete.
  size_t lead = end;
  while (lead > 0 && (static_cast<unsigned char>(text[lead - 1]) & 0xC0) == 0x80) --lead;
  if (lead > 0) {
    const auto b = static_cast<unsigned char>(text[lead - 1]);
    const size_t need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
    if (end - (lead - 1) < need) end = lead - 1;
  }
  return text.substr(0, end);
}

namespace {

// A config file can hold any bytes, and an error echoes some of them (a
// quoted key, a value, toml++'s "saw '...'"): control characters are shown
// escaped so the error stays one line on a terminal or in the journal.
std::string escape_control_chars(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7F) out += std::string("\\x") + kHex[c >> 4] + kHex[c & 0x0F];
    else out += ch;
  }
  return out;
}

}  // namespace

ConfigError::ConfigError(std::string k, std::string message)
    : std::runtime_error(k.empty() ? escape_control_chars(message)
                                   : escape_control_chars(k) + ": " + escape_control_chars(message)),
      key(escape_control_chars(k)) {}

}  // namespace shopd
