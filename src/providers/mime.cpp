// RFC 5322 + MIME rendering, shared by both mail transports so the .eml file
// and the SMTP message are the same bytes.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <ctime>

#include "core/sha256.h"
#include "providers/mailer.h"

namespace shopd {

namespace {

constexpr std::string_view kCrlf = "\r\n";
// Header lines are folded before this many characters (RFC 5322 asks for < 78).
constexpr size_t kHeaderFoldAt = 76;
// Raw bytes per RFC 2047 encoded-word: 30 bytes -> 40 base64 chars -> a
// 52-char word, which fits after the longest field name we write.
constexpr size_t kEncodedWordBytes = 30;
// Quoted-printable and base64 lines stay within 76 characters (RFC 2045).
constexpr size_t kBodyLineLength = 76;
// An ASCII word longer than this cannot be folded and is encoded instead.
constexpr size_t kLongestPlainWord = 60;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_plain_ascii(std::string_view s) {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

// Header text must stay on its line: control characters (CR and LF above all,
// which would let a value inject headers) become spaces.
std::string one_line(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    out += (c < 0x20 || c == 0x7F) ? ' ' : ch;
  }
  return out;
}

std::string base64(std::string_view data, size_t line_length) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4 + data.size() / 57 * 2 + 2);
  size_t column = 0;
  const auto put = [&](char c) {
    if (line_length != 0 && column == line_length) {
      out += kCrlf;
      column = 0;
    }
    out += c;
    ++column;
  };
  for (size_t i = 0; i < data.size(); i += 3) {
    const size_t n = std::min<size_t>(3, data.size() - i);
    uint32_t v = static_cast<unsigned char>(data[i]) << 16;
    if (n > 1) v |= static_cast<unsigned char>(data[i + 1]) << 8;
    if (n > 2) v |= static_cast<unsigned char>(data[i + 2]);
    put(kAlphabet[(v >> 18) & 63]);
    put(kAlphabet[(v >> 12) & 63]);
    put(n > 1 ? kAlphabet[(v >> 6) & 63] : '=');
    put(n > 2 ? kAlphabet[v & 63] : '=');
  }
  return out;
}

// Length of the UTF-8 sequence that starts with `lead` (1 for stray bytes, so
// malformed input still makes progress).
size_t utf8_length(unsigned char lead) {
  if (lead >= 0xF0 && lead <= 0xF7) return 4;
  if (lead >= 0xE0) return lead <= 0xEF ? 3 : 1;
  if (lead >= 0xC0) return 2;
  return 1;
}

// RFC 2047 "B" encoded-words, each holding whole UTF-8 characters: a decoder
// joins adjacent encoded-words without the whitespace between them.
std::vector<std::string> encoded_words(std::string_view text) {
  std::vector<std::string> words;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = start;
    while (end < text.size()) {
      const size_t next = std::min(text.size(), end + utf8_length(static_cast<unsigned char>(text[end])));
      if (next - start > kEncodedWordBytes && end > start) break;
      end = next;
    }
    words.push_back("=?UTF-8?B?" + base64(text.substr(start, end - start), 0) + "?=");
    start = end;
  }
  return words;
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    const size_t start = i;
    while (i < text.size() && text[i] != ' ') ++i;
    if (i > start) words.emplace_back(text.substr(start, i - start));
  }
  return words;
}

// Unstructured text (Subject): plain words when it is printable ASCII, else
// encoded-words. A word that looks like an encoded-word is encoded too, so a
// decoder never misreads the customer's text.
std::vector<std::string> text_tokens(std::string_view raw) {
  const std::string text = one_line(raw);
  const std::vector<std::string> words = split_words(text);
  bool plain = is_plain_ascii(text);
  for (const auto& w : words)
    if (w.size() > kLongestPlainWord || w.find("=?") != std::string::npos) plain = false;
  if (plain) return words;
  return encoded_words(trim(text));
}

bool is_atext(unsigned char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) != std::string_view::npos;
}

// A display name as a phrase: atoms when it can be, a quoted-string when it
// has specials such as "." or ",", encoded-words when it is not ASCII.
std::vector<std::string> phrase_tokens(std::string_view raw) {
  const std::string name(trim(one_line(raw)));
  if (name.empty()) return {};
  if (!is_plain_ascii(name) || name.find("=?") != std::string::npos) return encoded_words(name);
  bool atoms = true;
  for (const char ch : name)
    if (ch != ' ' && !is_atext(static_cast<unsigned char>(ch))) atoms = false;
  if (atoms) {
    std::vector<std::string> words = split_words(name);
    // A word longer than a folded line can hold is encoded instead, as in text_tokens.
    if (std::all_of(words.begin(), words.end(), [](const auto& w) { return w.size() <= kLongestPlainWord; }))
      return words;
    return encoded_words(name);
  }
  std::string quoted = "\"";
  for (const char ch : name) {
    if (ch == '"' || ch == '\\') quoted += '\\';
    quoted += ch;
  }
  quoted += '"';
  if (quoted.size() <= kLongestPlainWord) return {quoted};
  return encoded_words(name);
}

std::vector<std::string> mailbox_tokens(const Mailbox& box) {
  std::vector<std::string> tokens = phrase_tokens(box.name);
  const std::string address = one_line(box.address);
  tokens.push_back(tokens.empty() ? address : "<" + address + ">");
  return tokens;
}

// "Name: token token ...", folded between tokens before kHeaderFoldAt.
void put_header(std::string& out, std::string_view name, const std::vector<std::string>& tokens) {
  out += name;
  out += ':';
  size_t column = name.size() + 1;
  bool first = true;
  for (const auto& token : tokens) {
    if (!first && column + 1 + token.size() > kHeaderFoldAt) {
      out += kCrlf;
      column = 0;
    }
    out += ' ';
    out += token;
    column += 1 + token.size();
    first = false;
  }
  out += kCrlf;
}

void put_header(std::string& out, std::string_view name, std::string_view value) {
  put_header(out, name, std::vector<std::string>{std::string(value)});
}

std::string rfc5322_date(TimePoint t) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string normalized_message_id(std::string_view id) {
  std::string clean;
  for (const char ch : id)
    if (static_cast<unsigned char>(ch) > 0x20 && static_cast<unsigned char>(ch) < 0x7F) clean += ch;
  if (!clean.starts_with('<')) clean = "<" + clean;
  if (!clean.ends_with('>')) clean += '>';
  return clean;
}

// Quoted-printable (RFC 2045 6.7) with CRLF hard line breaks. A "." or
// "From " at the start of a line is encoded as well, so no SMTP server or
// mbox writer along the way alters the text.
std::string quoted_printable(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  size_t column = 0;
  const auto put = [&](std::string_view piece) {
    if (column + piece.size() > kBodyLineLength - 1) {
      out += "=\r\n";
      column = 0;
    }
    out += piece;
    column += piece.size();
  };
  const auto escaped = [&](unsigned char c) { return std::string{'=', kHex[c >> 4], kHex[c & 0x0F]}; };

  size_t i = 0;
  while (i <= text.size()) {
    size_t eol = text.find_first_of("\r\n", i);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view line = text.substr(i, eol - i);
    for (size_t k = 0; k < line.size(); ++k) {
      const auto c = static_cast<unsigned char>(line[k]);
      const bool last = k + 1 == line.size();
      bool plain = ((c == ' ' || c == '\t') && !last) || (c > 32 && c < 127 && c != '=');
      // The character opens an encoded line when it comes first or put() breaks before it.
      const bool opens_line = column == 0 || column + 1 > kBodyLineLength - 1;
      if (plain && opens_line && (c == '.' || line.substr(k).starts_with("From "))) plain = false;
      put(plain ? std::string(1, static_cast<char>(c)) : escaped(c));
    }
    if (eol == text.size()) break;
    out += kCrlf;
    column = 0;
    i = eol + (text.substr(eol).starts_with("\r\n") ? 2 : 1);
  }
  return out;
}

// A MIME entity: its header block (each line CRLF-terminated) and its body.
struct Entity {
  std::string headers;
  std::string body;
};

Entity text_part(std::string_view subtype, std::string_view text) {
  Entity e;
  put_header(e.headers, "Content-Type", {"text/" + std::string(subtype) + ";", "charset=UTF-8"});
  put_header(e.headers, "Content-Transfer-Encoding", "quoted-printable");
  e.body = quoted_printable(text);
  return e;
}

bool is_token_char(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return c > 32 && c < 127 && std::string_view("()<>@,;:\\\"/[]?=").find(ch) == std::string_view::npos;
}

// The attachment's type when it is a plain type/subtype short enough for the
// header line; anything else is sent as application/octet-stream.
std::string safe_content_type(const std::string& type) {
  const auto slash = type.find('/');
  const bool ok = slash != std::string::npos && slash > 0 && slash + 1 < type.size() &&
                  type.size() <= kLongestPlainWord &&
                  std::all_of(type.begin(), type.begin() + slash, is_token_char) &&
                  std::all_of(type.begin() + slash + 1, type.end(), is_token_char);
  return ok ? type : "application/octet-stream";
}

// Percent-encoded (RFC 2231 extended value), one string per character, so a
// character is never split between two sections.
std::vector<std::string> percent_encoded_chars(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::vector<std::string> chars;
  size_t i = 0;
  while (i < text.size()) {
    const size_t n = std::min(text.size() - i, utf8_length(static_cast<unsigned char>(text[i])));
    std::string encoded;
    for (const char ch : text.substr(i, n)) {
      const auto c = static_cast<unsigned char>(ch);
      const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                         std::string_view("-._~").find(ch) != std::string_view::npos;
      if (plain) {
        encoded += ch;
      } else {
        encoded += '%';
        encoded += kHex[c >> 4];
        encoded += kHex[c & 0x0F];
      }
    }
    chars.push_back(std::move(encoded));
    i += n;
  }
  return chars;
}

// The attachment's name as Content-Disposition parameters, each a token for
// put_header. A plain ASCII name is filename="..."; any other is RFC 2231,
// filename*=UTF-8''%C3%AB.pdf, and a long one is cut into numbered sections
// (filename*0*=UTF-8''...; filename*1*=...) so that every header line folds
// below 78 characters.
std::vector<std::string> filename_parameters(std::string_view raw) {
  const std::string name = one_line(raw).empty() ? "attachment" : one_line(raw);
  if (is_plain_ascii(name) && name.find_first_of("\"\\") == std::string::npos && name.size() <= kLongestPlainWord)
    return {"filename=\"" + name + "\""};
  const std::vector<std::string> chars = percent_encoded_chars(name);
  constexpr std::string_view kCharset = "UTF-8''";
  // A parameter and its ';' on a folded line of their own: " " + token fits kHeaderFoldAt.
  constexpr size_t kLongestToken = kHeaderFoldAt - 1;
  std::string whole = "filename*=" + std::string(kCharset);
  for (const auto& c : chars) whole += c;
  if (whole.size() <= kLongestToken) return {whole};
  std::vector<std::string> sections;
  size_t next = 0;
  while (next < chars.size()) {
    std::string token = "filename*" + std::to_string(sections.size()) + "*=";
    if (sections.empty()) token += kCharset;
    do token += chars[next++];
    while (next < chars.size() && token.size() + chars[next].size() + 1 <= kLongestToken);
    sections.push_back(std::move(token));
  }
  for (size_t i = 0; i + 1 < sections.size(); ++i) sections[i] += ';';
  return sections;
}

Entity attachment_part(const Attachment& a) {
  Entity e;
  put_header(e.headers, "Content-Type", safe_content_type(a.content_type));
  std::vector<std::string> disposition{"attachment;"};
  for (auto& parameter : filename_parameters(a.filename)) disposition.push_back(std::move(parameter));
  put_header(e.headers, "Content-Disposition", disposition);
  put_header(e.headers, "Content-Transfer-Encoding", "base64");
  e.body = base64(a.data, kBodyLineLength);
  return e;
}

// Boundaries start with "=_", which neither quoted-printable nor base64 can
// produce, so no body can contain one.
Entity multipart(std::string_view subtype, const std::string& boundary, const std::vector<Entity>& parts) {
  Entity e;
  put_header(e.headers, "Content-Type",
             {"multipart/" + std::string(subtype) + ";", "boundary=\"" + boundary + "\""});
  if (subtype == "mixed") e.body = "This is a multi-part message in MIME format.\r\n";
  for (const auto& part : parts) {
    e.body += "\r\n--" + boundary + "\r\n";
    e.body += part.headers;
    e.body += kCrlf;
    e.body += part.body;
  }
  e.body += "\r\n--" + boundary + "--\r\n";
  return e;
}

}  // namespace

Mailbox parse_mailbox(const std::string& text) {
  const std::string_view s = trim(text);
  const auto lt = s.rfind('<');
  if (lt == std::string_view::npos || !s.ends_with('>')) return Mailbox{"", std::string(s)};

  Mailbox box;
  box.address = std::string(trim(s.substr(lt + 1, s.size() - lt - 2)));
  std::string_view name = trim(s.substr(0, lt));
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
    name = name.substr(1, name.size() - 2);
    for (size_t i = 0; i < name.size(); ++i) {
      if (name[i] == '\\' && i + 1 < name.size()) ++i;
      box.name += name[i];
    }
  } else {
    box.name = std::string(name);
  }
  return box;
}

bool is_sendable_address(std::string_view address) {
  if (address.empty() || address.size() > 254) return false;
  const auto at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) return false;
  for (const char ch : address) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F || std::string_view("<>\"(),;:[]\\").find(ch) != std::string_view::npos) return false;
  }
  return true;
}

std::optional<JobError> check_addresses(const Email& email) {
  if (!is_sendable_address(email.to.address))
    return JobError::permanent("invalid_recipient", "the recipient address cannot be used for email");
  if (!is_sendable_address(email.from.address))
    return JobError::permanent("invalid_sender", "email.from does not hold a usable address");
  return std::nullopt;
}

std::string render_mime(const Email& email) {
  const std::string message_id = normalized_message_id(email.message_id);
  const std::string tag = sha256_hex(message_id).substr(0, 32);

  Entity content = text_part("plain", email.text);
  if (!email.html.empty()) content = multipart("alternative", "=_alt_" + tag, {content, text_part("html", email.html)});
  if (!email.attachments.empty()) {
    std::vector<Entity> parts{content};
    for (const auto& a : email.attachments) parts.push_back(attachment_part(a));
    content = multipart("mixed", "=_mixed_" + tag, parts);
  }

  std::string out;
  put_header(out, "Date", rfc5322_date(email.date));
  put_header(out, "From", mailbox_tokens(email.from));
  put_header(out, "To", mailbox_tokens(email.to));
  put_header(out, "Subject", text_tokens(email.subject));
  put_header(out, "Message-ID", message_id);
  put_header(out, "MIME-Version", "1.0");
  out += content.headers;
  out += kCrlf;
  out += content.body;
  if (!out.ends_with(kCrlf)) out += kCrlf;
  return out;
}

std::string eml_file_name(const std::string& name_or_message_id) {
  std::string name;
  for (const char ch : name_or_message_id) {
    if (ch == '<' || ch == '>') continue;
    const auto c = static_cast<unsigned char>(ch);
    const bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      std::string_view("._@+-").find(ch) != std::string_view::npos;
    name += keep ? ch : '_';
  }
  if (name.size() > 200) name.resize(200);
  if (name.empty()) name = "message";
  if (name.front() == '.') name.front() = '_';  // no hidden files, never "." or ".."
  return name + ".eml";
}

}  // namespace shopd
