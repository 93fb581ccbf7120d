// Fuzz target: the MIME builder (render_mime, parse_mailbox, eml_file_name in
// src/providers/mime.cpp) with names, addresses, subject, bodies and
// attachments from any bytes.
//
// Input: fields read with FuzzedDataProvider::ConsumeRandomLengthString, so a
// backslash plus any other byte ends a field and "\\" is a backslash (seeds
// use "\|"): the raw [email] from value, the recipient's name, the
// recipient's address, subject, text body, HTML body, then up to three
// attachments as name, content type, data.
//
// Properties the rendered message must have, beyond "no crash":
// - CRLF only: no bare CR or LF anywhere, the message ends with CRLF;
// - the header block holds exactly the headers render_mime writes (no value
//   can start a header of its own), every line a "Name:" line or a folded
//   continuation with content;
// - line lengths: header lines within 78 characters except an address or
//   the Message-ID that cannot be folded, body lines within 76, every line
//   within RFC 5322's 998 (when the addresses pass check_addresses, as they
//   must before any transport sends);
// - the MIME structure parses back to the expected tree, and every value
//   decodes to what went in: subject, display names, addresses, bodies
//   (line endings become CRLF), attachment names and bytes;
// - quoted-printable lines never end in whitespace or start with "." or
//   "From " (which SMTP or an mbox would alter);
// - rendering is deterministic; eml_file_name gives a safe file name.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "fuzz_check.h"
#include "providers/mailer.h"

using namespace shopd;
using shopd::fuzz::is_utf8;

namespace {

constexpr size_t kHeaderLineMax = 78;
constexpr size_t kBodyLineMax = 76;
constexpr size_t kRfc5322LineMax = 998;
constexpr size_t kEncodedWordMax = 75;  // RFC 2047 section 2

// ---- the expected values, normalized the way a header can carry them -----

std::string one_line(std::string_view s) {
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    out += (c < 0x20 || c == 0x7F) ? ' ' : ch;
  }
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::string collapse_spaces(std::string_view s) {
  std::string out;
  for (const char ch : trim(s)) {
    if (ch == ' ' && !out.empty() && out.back() == ' ') continue;
    out += ch;
  }
  return out;
}

// A header value may keep the text's spaces or collapse runs of them; nothing else may change.
bool same_header_text(const std::string& decoded, std::string_view original) {
  const std::string line = one_line(original);
  return decoded == trim(line) || decoded == collapse_spaces(line);
}

// Text bodies: every CRLF, lone CR and lone LF is one CRLF line break.
std::string crlf_normalized(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' || text[i] == '\n') {
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      out += "\r\n";
    } else {
      out += text[i];
    }
  }
  return out;
}

// ---- decoders --------------------------------------------------------------

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::optional<std::string> base64_decode(std::string_view in) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  size_t padding = 0;
  for (const char c : in) {
    if (c == '\r' || c == '\n') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    const auto pos = kAlphabet.find(c);
    if (pos == std::string_view::npos || padding > 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<uint32_t>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  if (padding > 2) return std::nullopt;
  return out;
}

std::string qp_decode(std::string_view body) {
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '=') {
      out += body[i];
      continue;
    }
    FUZZ_REQUIRE(i + 2 < body.size(), "quoted-printable '=' at the end");
    if (body.substr(i + 1, 2) == "\r\n") {
      i += 2;  // soft line break
      continue;
    }
    const int hi = hex_value(body[i + 1]);
    const int lo = hex_value(body[i + 2]);
    FUZZ_REQUIRE(hi >= 0 && lo >= 0, std::string(body.substr(i, 3)));
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

bool is_encoded_word(std::string_view token) {
  return token.starts_with("=?UTF-8?B?") && token.ends_with("?=") && token.size() >= 12;
}

std::string decode_encoded_word(std::string_view token) {
  FUZZ_REQUIRE(token.size() <= kEncodedWordMax, std::string(token));
  const auto payload = base64_decode(token.substr(10, token.size() - 12));
  FUZZ_REQUIRE(payload.has_value(), std::string(token));
  return *payload;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      FUZZ_REQUIRE(i + 2 < s.size(), std::string(s));
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      FUZZ_REQUIRE(hi >= 0 && lo >= 0, std::string(s));
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Header value tokens: runs of non-space. In a phrase (display names) a
// quoted-string with its backslash escapes is one token even when it holds
// spaces; in unstructured text (Subject) a quote is just a character.
enum class Syntax { Phrase, Unstructured };

std::vector<std::string> header_tokens(std::string_view value, Syntax syntax) {
  std::vector<std::string> tokens;
  size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && value[i] == ' ') ++i;
    if (i == value.size()) break;
    std::string token;
    bool quoted = false;
    while (i < value.size() && (quoted || value[i] != ' ')) {
      if (syntax == Syntax::Phrase && value[i] == '"') quoted = !quoted;
      if (quoted && value[i] == '\\' && i + 1 < value.size()) token += value[i++];
      token += value[i++];
    }
    FUZZ_REQUIRE(!quoted, std::string(value));
    tokens.push_back(std::move(token));
  }
  return tokens;
}

// Words of a phrase or unstructured text as a reader's client shows them.
std::string decode_words(const std::vector<std::string>& tokens, Syntax syntax) {
  std::string out;
  bool previous_encoded = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& t = tokens[i];
    const bool encoded = is_encoded_word(t);
    if (i > 0 && !(encoded && previous_encoded)) out += ' ';
    if (encoded) {
      out += decode_encoded_word(t);
    } else if (syntax == Syntax::Phrase && t.size() >= 2 && t.front() == '"' && t.back() == '"') {
      for (size_t k = 1; k + 1 < t.size(); ++k) {
        if (t[k] == '\\') ++k;
        out += t[k];
      }
    } else {
      FUZZ_REQUIRE(t.find("=?") == std::string::npos, t);  // would be misread as an encoded-word
      out += t;
    }
    previous_encoded = encoded;
  }
  return out;
}

// ---- message structure -----------------------------------------------------

struct Header {
  std::string name;
  std::string value;  // unfolded, leading space removed
};

struct Entity {
  std::vector<Header> headers;
  std::string_view body;
};

std::vector<std::string_view> crlf_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find("\r\n", start);
    if (end == std::string_view::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

bool is_field_name(std::string_view name) {
  if (name.empty()) return false;
  for (const char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F || c == ':') return false;
  }
  return true;
}

// Header block up to the first empty line, then the body. `long_ok` lists the
// only tokens that may stand alone on a header line longer than 78.
Entity parse_entity(std::string_view text, const std::vector<std::string>* long_ok) {
  const size_t end = text.starts_with("\r\n") ? 0 : text.find("\r\n\r\n");
  FUZZ_REQUIRE(end != std::string_view::npos, "an entity without an empty line after its headers");
  const std::string_view block = text.substr(0, end == 0 ? 0 : end + 2);
  Entity e;
  e.body = text.substr(end == 0 ? 2 : end + 4);
  for (const std::string_view line : crlf_lines(block)) {
    std::string_view rest = line;
    if (line.front() == ' ' || line.front() == '\t') {
      FUZZ_REQUIRE(!e.headers.empty(), "a continuation line before any header");
      FUZZ_REQUIRE(line.find_first_not_of(" \t") != std::string_view::npos, "a whitespace-only header line");
      e.headers.back().value += line;
    } else {
      const size_t colon = line.find(':');
      FUZZ_REQUIRE(colon != std::string_view::npos && is_field_name(line.substr(0, colon)), std::string(line));
      e.headers.push_back({std::string(line.substr(0, colon)), std::string(line.substr(colon + 1))});
      rest = line.substr(colon + 1);
    }
    if (long_ok && line.size() > kHeaderLineMax) {
      bool allowed = false;
      for (const auto& token : *long_ok) allowed = allowed || rest == " " + token;
      FUZZ_REQUIRE(allowed, std::string(line));
    }
  }
  for (auto& h : e.headers) h.value = trim(h.value);
  return e;
}

// The headers from index `from` on are exactly `names`, or (`more_follow`) start with them.
void require_header_names(const Entity& e, size_t from, const std::vector<std::string_view>& names,
                          bool more_follow = false) {
  const size_t count = from + names.size();
  FUZZ_REQUIRE(more_follow ? e.headers.size() > count : e.headers.size() == count,
               "unexpected headers: " + std::to_string(e.headers.size()));
  for (size_t i = 0; i < names.size(); ++i) FUZZ_REQUIRE(e.headers[from + i].name == names[i], e.headers[from + i].name);
}

// The value of a parameter (name="v" or name=v) in "type; a=1; b=\"2\"".
std::vector<std::pair<std::string, std::string>> parameters(std::string_view value) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t i = value.find(';');
  while (i != std::string_view::npos && i < value.size()) {
    ++i;
    while (i < value.size() && value[i] == ' ') ++i;
    const size_t eq = value.find('=', i);
    FUZZ_REQUIRE(eq != std::string_view::npos, std::string(value));
    std::string name(value.substr(i, eq - i));
    std::string v;
    i = eq + 1;
    if (i < value.size() && value[i] == '"') {
      ++i;
      while (i < value.size() && value[i] != '"') {
        if (value[i] == '\\') ++i;
        FUZZ_REQUIRE(i < value.size(), std::string(value));
        v += value[i++];
      }
      FUZZ_REQUIRE(i < value.size(), "an unterminated quoted parameter");
      ++i;
      while (i < value.size() && value[i] == ' ') ++i;
      FUZZ_REQUIRE(i == value.size() || value[i] == ';', std::string(value));
    } else {
      const size_t semi = value.find(';', i);
      v = trim(value.substr(i, semi == std::string_view::npos ? std::string_view::npos : semi - i));
      i = semi;
      out.emplace_back(std::move(name), std::move(v));
      continue;
    }
    out.emplace_back(std::move(name), std::move(v));
  }
  return out;
}

// RFC 2231: filename, or filename*=UTF-8''..., or its numbered continuations.
std::string attachment_name(std::string_view disposition) {
  FUZZ_REQUIRE(disposition.starts_with("attachment;"), std::string(disposition));
  std::string plain;
  std::vector<std::pair<int, std::string>> sections;
  for (const auto& [name, value] : parameters(disposition)) {
    if (name == "filename") {
      plain = value;
    } else if (name == "filename*") {
      FUZZ_REQUIRE(value.starts_with("UTF-8''"), value);
      sections.emplace_back(0, percent_decode(std::string_view(value).substr(7)));
    } else {
      FUZZ_REQUIRE(name.starts_with("filename*") && name.ends_with("*"), name);
      const int n = std::stoi(name.substr(9, name.size() - 10));
      std::string_view v = value;
      if (n == 0) {
        FUZZ_REQUIRE(v.starts_with("UTF-8''"), value);
        v.remove_prefix(7);
      }
      FUZZ_REQUIRE(n == static_cast<int>(sections.size()), "continuations out of order");
      sections.emplace_back(n, percent_decode(v));
    }
  }
  FUZZ_REQUIRE(plain.empty() != sections.empty(), std::string(disposition));
  if (!plain.empty()) return plain;
  std::string joined;
  for (const auto& s : sections) joined += s.second;
  return joined;
}

void check_body_lines(std::string_view body, bool quoted_printable) {
  for (const std::string_view line : crlf_lines(body)) {
    FUZZ_REQUIRE(line.size() <= kBodyLineMax, std::string(line));
    if (!quoted_printable || line.empty()) continue;
    FUZZ_REQUIRE(line.back() != ' ' && line.back() != '\t', std::string(line));
    FUZZ_REQUIRE(!line.starts_with(".") && !line.starts_with("From "), std::string(line));
    for (const char ch : line) {
      const auto c = static_cast<unsigned char>(ch);
      FUZZ_REQUIRE(c == '\t' || (c >= 0x20 && c < 0x7F), std::string(line));
    }
  }
}

// What one part of the tree must be.
struct Expected {
  enum class Kind { Text, Multipart, Attachment } kind;
  std::string subtype;               // "plain", "html", "alternative", "mixed"
  std::string_view text;             // Text
  const Attachment* attachment = nullptr;
  std::vector<Expected> parts;       // Multipart
};

// `top_level`: the message's own body, which ends with a CRLF even when the text does not.
void check_entity(const Entity& e, size_t first_header, const Expected& x, bool top_level);

// The parts between "--boundary" delimiters; the CRLF before a delimiter belongs to it (RFC 2046).
std::vector<std::string_view> multipart_parts(std::string_view body, const std::string& boundary) {
  const std::string delimiter = "\r\n--" + boundary;
  std::vector<std::string_view> parts;
  size_t at = body.find(delimiter);
  FUZZ_REQUIRE(at != std::string_view::npos, "no delimiter");
  while (true) {
    const size_t after = at + delimiter.size();
    if (body.substr(after).starts_with("--")) {
      FUZZ_REQUIRE(body.substr(after + 2) == "\r\n", "content after the close delimiter");
      return parts;
    }
    FUZZ_REQUIRE(body.substr(after).starts_with("\r\n"), "a delimiter line with more on it");
    const size_t next = body.find(delimiter, after);
    FUZZ_REQUIRE(next != std::string_view::npos, "no close delimiter");
    parts.push_back(body.substr(after + 2, next - after - 2));
    at = next;
  }
}

void check_entity(const Entity& e, size_t first, const Expected& x, bool top_level) {
  const auto& h = e.headers;
  switch (x.kind) {
    case Expected::Kind::Text: {
      require_header_names(e, first, {"Content-Type", "Content-Transfer-Encoding"});
      FUZZ_REQUIRE(h[first].value == "text/" + x.subtype + "; charset=UTF-8", h[first].value);
      FUZZ_REQUIRE(h[first + 1].value == "quoted-printable", h[first + 1].value);
      check_body_lines(e.body, true);
      const std::string decoded = qp_decode(e.body);
      const std::string expected = crlf_normalized(x.text);
      FUZZ_REQUIRE(decoded == expected || (top_level && decoded == expected + "\r\n"),
                   "a text body does not decode to its text");
      return;
    }
    case Expected::Kind::Attachment: {
      require_header_names(e, first, {"Content-Type", "Content-Disposition", "Content-Transfer-Encoding"});
      const std::string& type = h[first].value;
      FUZZ_REQUIRE(type == x.attachment->content_type || type == "application/octet-stream", type);
      const std::string name = one_line(x.attachment->filename);
      FUZZ_REQUIRE(attachment_name(h[first + 1].value) == (name.empty() ? "attachment" : name), h[first + 1].value);
      FUZZ_REQUIRE(h[first + 2].value == "base64", h[first + 2].value);
      check_body_lines(e.body, false);
      const auto data = base64_decode(e.body);
      FUZZ_REQUIRE(data && *data == x.attachment->data, "an attachment does not decode to its bytes");
      return;
    }
    case Expected::Kind::Multipart: {
      require_header_names(e, first, {"Content-Type"});
      const std::string prefix = "multipart/" + x.subtype + "; boundary=\"";
      FUZZ_REQUIRE(h[first].value.starts_with(prefix) && h[first].value.ends_with("\""), h[first].value);
      const std::string boundary = h[first].value.substr(prefix.size(), h[first].value.size() - prefix.size() - 1);
      FUZZ_REQUIRE(!boundary.empty() && boundary.size() <= 70, boundary);  // RFC 2046 limit
      check_body_lines(e.body, false);
      const auto parts = multipart_parts(e.body, boundary);
      FUZZ_REQUIRE(parts.size() == x.parts.size(), "parts: " + std::to_string(parts.size()));
      for (size_t i = 0; i < parts.size(); ++i) check_entity(parse_entity(parts[i], nullptr), 0, x.parts[i], false);
      return;
    }
  }
}

Expected expected_tree(const Email& email) {
  Expected content{Expected::Kind::Text, "plain", email.text, nullptr, {}};
  if (!email.html.empty())
    content = Expected{Expected::Kind::Multipart, "alternative", {}, nullptr,
                       {content, Expected{Expected::Kind::Text, "html", email.html, nullptr, {}}}};
  if (email.attachments.empty()) return content;
  Expected mixed{Expected::Kind::Multipart, "mixed", {}, nullptr, {content}};
  for (const auto& a : email.attachments) mixed.parts.push_back({Expected::Kind::Attachment, "", {}, &a, {}});
  return mixed;
}

void check_mailbox(const std::string& value, const Mailbox& box) {
  const std::vector<std::string> tokens = header_tokens(value, Syntax::Phrase);
  FUZZ_REQUIRE(!tokens.empty(), value);
  const std::string address = one_line(box.address);
  const bool named = tokens.size() > 1;
  FUZZ_REQUIRE(tokens.back() == (named ? "<" + address + ">" : address), value);
  const std::vector<std::string> name_tokens(tokens.begin(), tokens.end() - 1);
  FUZZ_REQUIRE(same_header_text(decode_words(name_tokens, Syntax::Phrase), box.name), value);
}

// The Message-ID compose.cpp gives a job's email: the job id at the sender's domain.
std::string message_id_for(const Mailbox& from) {
  const auto at = from.address.find('@');
  const std::string domain = at == std::string::npos ? "shopd.invalid" : from.address.substr(at + 1);
  return "<0190f3a2-7c1e-7d4b-9a51-3f2e8b6c0d17@" + domain + ">";
}

void check_file_name(const std::string& message_id) {
  const std::string name = eml_file_name(message_id);
  FUZZ_REQUIRE(name.ends_with(".eml") && name.size() > 4 && name.size() <= 204, name);
  FUZZ_REQUIRE(name.front() != '.', name);
  for (const char c : name)
    FUZZ_REQUIRE((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     std::string_view("._@+-").find(c) != std::string_view::npos,
                 name);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  Email email;
  email.from = parse_mailbox(in.ConsumeRandomLengthString());
  email.to.name = in.ConsumeRandomLengthString();
  email.to.address = in.ConsumeRandomLengthString();
  email.subject = in.ConsumeRandomLengthString();
  email.text = in.ConsumeRandomLengthString();
  email.html = in.ConsumeRandomLengthString();
  while (in.remaining_bytes() > 0 && email.attachments.size() < 3) {
    Attachment a;
    a.filename = in.ConsumeRandomLengthString();
    a.content_type = in.ConsumeRandomLengthString();
    a.data = in.ConsumeRandomLengthString();
    email.attachments.push_back(std::move(a));
  }
  email.message_id = message_id_for(email.from);
  email.date = *parse_iso("2026-11-28T04:30:21.000Z");

  const std::string message = render_mime(email);
  FUZZ_REQUIRE(render_mime(email) == message, "render_mime is not deterministic");
  check_file_name(email.message_id);

  for (size_t i = 0; i < message.size(); ++i) {
    if (message[i] == '\r') FUZZ_REQUIRE(i + 1 < message.size() && message[i + 1] == '\n', "a bare CR");
    if (message[i] == '\n') FUZZ_REQUIRE(i > 0 && message[i - 1] == '\r', "a bare LF");
  }
  FUZZ_REQUIRE(message.ends_with("\r\n"), "the message does not end with CRLF");

  // Line lengths hold for what a transport sends: messages whose addresses pass check_addresses.
  const bool sendable = !check_addresses(email).has_value();
  const std::string to_token = email.to.name.empty() ? email.to.address : "<" + email.to.address + ">";
  const std::string from_token = email.from.name.empty() ? email.from.address : "<" + email.from.address + ">";
  const std::vector<std::string> long_ok = {to_token, from_token, email.message_id};
  if (sendable)
    for (const std::string_view line : crlf_lines(message)) FUZZ_REQUIRE(line.size() <= kRfc5322LineMax, "a line past 998");

  const Entity top = parse_entity(message, sendable ? &long_ok : nullptr);
  require_header_names(top, 0, {"Date", "From", "To", "Subject", "Message-ID", "MIME-Version"}, true);
  FUZZ_REQUIRE(top.headers[0].value == "Sat, 28 Nov 2026 04:30:21 +0000", top.headers[0].value);
  // An unsendable sender's domain may hold spaces or controls, which the Message-ID drops.
  FUZZ_REQUIRE(!sendable || top.headers[4].value == email.message_id, top.headers[4].value);
  FUZZ_REQUIRE(top.headers[5].value == "1.0", top.headers[5].value);
  const auto subject = header_tokens(top.headers[3].value, Syntax::Unstructured);
  FUZZ_REQUIRE(same_header_text(decode_words(subject, Syntax::Unstructured), email.subject),
               top.headers[3].value);
  if (sendable) {
    check_mailbox(top.headers[1].value, email.from);
    check_mailbox(top.headers[2].value, email.to);
  }
  check_entity(top, 6, expected_tree(email), true);
  return 0;
}
