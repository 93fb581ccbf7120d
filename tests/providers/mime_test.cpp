#include <doctest/doctest.h>

#include "providers/mailer.h"

using namespace shopd;

namespace {

const std::string kZoe = "Zo\xC3\xAB \xC3\x86r\xC3\xB8sk\xC3\xB8" "bing-\xC3\x91\xC3\xBA\xC3\xB1" "ez";  // Zoë Ærøskøbing-Ñúñez

std::string binary_blob() {
  std::string data;
  for (int i = 0; i < 1000; ++i) data += static_cast<char>((i * 37 + 11) % 256);
  return data;
}

Email sample_email() {
  Email e;
  e.from = {"Demo Shop", "orders@shop.example"};
  e.to = {kZoe, "zoe@example.com"};
  e.subject = "Your order at Demo Shop \xE2\x80\x94 confirmation for " + kZoe;
  e.text = "Hello " + kZoe + ",\n\nthank you for your order.\n.\nFrom here on we take care of it.   \n" +
           std::string(200, 'x') + "\n";
  e.html = "<p>Hello " + kZoe + ",</p><p>thank you for your order.</p>";
  e.attachments.push_back({"INV-000001.pdf", "application/pdf", binary_blob()});
  e.message_id = "<email.confirmation.0190abcd@shop.example>";
  e.date = *parse_iso("2026-11-28T04:30:21.000Z");
  return e;
}

std::vector<std::string> crlf_lines(const std::string& msg) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < msg.size()) {
    const size_t end = msg.find("\r\n", start);
    if (end == std::string::npos) {
      lines.push_back(msg.substr(start));
      break;
    }
    lines.push_back(msg.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

// The header block, unfolded: "Name: value" per entry.
std::string header(const std::string& msg, const std::string& name) {
  const std::string block = msg.substr(0, msg.find("\r\n\r\n") + 2);
  const size_t at = block.find("\r\n" + name + ":") != std::string::npos ? block.find("\r\n" + name + ":") + 2
                    : block.starts_with(name + ":")                  ? 0
                                                                     : std::string::npos;
  if (at == std::string::npos) return "";
  std::string value;
  size_t i = at + name.size() + 1;
  while (i < block.size()) {
    const size_t end = block.find("\r\n", i);
    value += block.substr(i, end - i);
    i = end + 2;
    if (i >= block.size() || (block[i] != ' ' && block[i] != '\t')) break;
  }
  return value;
}

std::string base64_decode(const std::string& in) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : in) {
    const auto pos = kAlphabet.find(c);
    if (pos == std::string::npos) continue;
    buffer = (buffer << 6) | static_cast<uint32_t>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

// Decodes a run of RFC 2047 B-encoded words (whitespace between them dropped).
std::string decode_words(const std::string& value) {
  std::string out;
  size_t i = 0;
  while ((i = value.find("=?UTF-8?B?", i)) != std::string::npos) {
    const size_t end = value.find("?=", i + 10);
    out += base64_decode(value.substr(i + 10, end - i - 10));
    i = end + 2;
  }
  return out;
}

}  // namespace

TEST_SUITE("mime") {
  TEST_CASE("the message has every required header") {
    const std::string msg = render_mime(sample_email());
    CHECK(header(msg, "Date") == " Sat, 28 Nov 2026 04:30:21 +0000");
    CHECK(header(msg, "From") == " Demo Shop <orders@shop.example>");
    CHECK(header(msg, "To").ends_with("<zoe@example.com>"));
    CHECK_FALSE(header(msg, "Subject").empty());
    CHECK(header(msg, "Message-ID") == " <email.confirmation.0190abcd@shop.example>");
    CHECK(header(msg, "MIME-Version") == " 1.0");
    CHECK(header(msg, "Content-Type").find("multipart/mixed;") != std::string::npos);
  }

  TEST_CASE("every line ends in CRLF and no bare LF or CR appears") {
    const std::string msg = render_mime(sample_email());
    REQUIRE(msg.ends_with("\r\n"));
    for (size_t i = 0; i < msg.size(); ++i) {
      if (msg[i] == '\n') REQUIRE_MESSAGE((i > 0 && msg[i - 1] == '\r'), "bare LF at ", i);
      if (msg[i] == '\r') REQUIRE_MESSAGE((i + 1 < msg.size() && msg[i + 1] == '\n'), "bare CR at ", i);
    }
  }

  TEST_CASE("no line is longer than 998 characters and headers fold below 78") {
    const std::string msg = render_mime(sample_email());
    const auto lines = crlf_lines(msg);
    bool in_headers = true;
    for (const auto& line : lines) {
      CHECK(line.size() <= 998);
      if (in_headers) CHECK_MESSAGE(line.size() < 78, line);
      if (line.empty()) in_headers = false;
    }
  }

  TEST_CASE("a non-ASCII display name is RFC 2047 encoded and decodes back") {
    const std::string msg = render_mime(sample_email());
    const std::string to = header(msg, "To");
    CHECK(to.find("=?UTF-8?B?") != std::string::npos);
    CHECK(decode_words(to) == kZoe);
    for (unsigned char c : msg.substr(0, msg.find("\r\n\r\n"))) CHECK(c < 0x80);
  }

  TEST_CASE("a non-ASCII subject is RFC 2047 encoded and decodes back") {
    const Email e = sample_email();
    const std::string subject = header(render_mime(e), "Subject");
    CHECK(decode_words(subject) == e.subject);
  }

  TEST_CASE("a plain ASCII subject stays readable and is folded on spaces") {
    Email e = sample_email();
    e.subject = "Your order 0190abcd-1234 at Demo Shop has been received and will be shipped very soon indeed";
    const std::string msg = render_mime(e);
    CHECK(header(msg, "Subject") == " " + e.subject);
    CHECK(msg.find("Subject: Your order") != std::string::npos);
  }

  TEST_CASE("a display name with specials is a quoted-string") {
    Email e = sample_email();
    e.from = {"Shop, Inc.", "orders@shop.example"};
    CHECK(header(render_mime(e), "From") == " \"Shop, Inc.\" <orders@shop.example>");
  }

  // Found by tests/fuzz/mime_fuzz.cpp: a display name of plain atoms was
  // written word by word, so one very long word made a header line past 78.
  TEST_CASE("a display name with a word too long to fold is encoded and decodes back") {
    Email e = sample_email();
    e.to = {"Ann " + std::string(100, 'A'), "ann@example.com"};
    const std::string msg = render_mime(e);
    const std::string to = header(msg, "To");
    CHECK(to.find("=?UTF-8?B?") != std::string::npos);
    CHECK(decode_words(to) == e.to.name);
    for (const auto& line : crlf_lines(msg.substr(0, msg.find("\r\n\r\n")))) CHECK(line.size() < 78);
  }

  TEST_CASE("CR and LF in a subject cannot inject headers") {
    Email e = sample_email();
    e.subject = "Hello\r\nBcc: victim@example.com";
    const std::string msg = render_mime(e);
    CHECK(msg.find("\r\nBcc:") == std::string::npos);
  }

  TEST_CASE("the attachment is base64 and round-trips") {
    const Email e = sample_email();
    const std::string msg = render_mime(e);
    const size_t disposition = msg.find("Content-Disposition: attachment;");
    REQUIRE(disposition != std::string::npos);
    CHECK(msg.find("filename=\"INV-000001.pdf\"", disposition) != std::string::npos);
    const size_t body = msg.find("\r\n\r\n", disposition) + 4;
    const size_t end = msg.find("\r\n--=_mixed_", body);
    REQUIRE(end != std::string::npos);
    CHECK(base64_decode(msg.substr(body, end - body)) == e.attachments[0].data);
  }

  TEST_CASE("text and html are alternatives in quoted-printable UTF-8") {
    const std::string msg = render_mime(sample_email());
    CHECK(msg.find("multipart/alternative;") != std::string::npos);
    CHECK(msg.find("Content-Type: text/plain; charset=UTF-8") != std::string::npos);
    CHECK(msg.find("Content-Type: text/html; charset=UTF-8") != std::string::npos);
    CHECK(msg.find("Content-Transfer-Encoding: quoted-printable") != std::string::npos);
    CHECK(msg.find("Hello Zo=C3=AB") != std::string::npos);
    // A lone "." line and a line starting "From " are escaped; trailing spaces are kept visibly.
    CHECK(msg.find("\r\n=2E\r\n") != std::string::npos);
    CHECK(msg.find("\r\n=46rom here") != std::string::npos);
    CHECK(msg.find("of it.  =20\r\n") != std::string::npos);
  }

  // Found by tests/fuzz/mime_fuzz.cpp: the "." and "From " rule looked at the
  // column before put() broke the line, so a character that a soft line break
  // moved to the start of a line went out unencoded.
  TEST_CASE("a dot or From that a soft line break moves to the start of a line is encoded") {
    for (const std::string& tail : {std::string("."), std::string(".hidden"), std::string("From here")}) {
      Email e = sample_email();
      e.text = std::string(75, 'x') + tail;
      e.html.clear();
      e.attachments.clear();
      const std::string msg = render_mime(e);
      const std::string body = msg.substr(msg.find("\r\n\r\n") + 4);
      CAPTURE(tail);
      for (const auto& line : crlf_lines(body)) {
        CHECK_FALSE(line.starts_with("."));
        CHECK_FALSE(line.starts_with("From "));
      }
      CHECK(body.find("=\r\n=" + std::string(tail[0] == '.' ? "2E" : "46")) != std::string::npos);
    }
  }

  TEST_CASE("a text-only email without attachments is a single text part") {
    Email e = sample_email();
    e.html.clear();
    e.attachments.clear();
    const std::string msg = render_mime(e);
    CHECK(header(msg, "Content-Type") == " text/plain; charset=UTF-8");
    CHECK(msg.find("multipart") == std::string::npos);
  }

  TEST_CASE("the same email renders byte-identically") {
    CHECK(render_mime(sample_email()) == render_mime(sample_email()));
    Email other = sample_email();
    other.message_id = "<other@shop.example>";
    const std::string a = render_mime(sample_email());
    const std::string b = render_mime(other);
    CHECK(header(a, "Content-Type") != header(b, "Content-Type"));  // boundaries follow the Message-ID
  }

  // Found by tests/fuzz/mime_fuzz.cpp: any type/subtype was written as it
  // came, so a long one made a Content-Type line of any length.
  TEST_CASE("an attachment type that is not a short type/subtype is sent as application/octet-stream") {
    for (const std::string& type : {"application/" + std::string(100, 'x'), std::string("text/plain\r\nX: y"),
                                   std::string("pdf"), std::string("")}) {
      Email e = sample_email();
      e.attachments[0].content_type = type;
      const std::string msg = render_mime(e);
      CHECK(msg.find("\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment;") !=
            std::string::npos);
      for (const auto& line : crlf_lines(msg)) CHECK(line.size() < 78);
    }
  }

  TEST_CASE("a non-ASCII attachment name uses RFC 2231") {
    Email e = sample_email();
    e.attachments[0].filename = "Rechnung-\xC3\x9C" ".pdf";
    CHECK(render_mime(e).find("filename*=UTF-8''Rechnung-%C3%9C.pdf") != std::string::npos);
  }
  // Found by tests/fuzz/mime_fuzz.cpp: a long non-ASCII attachment name was
  // one filename*= parameter on one header line of any length (past 998
  // characters for a 350-byte name).
  TEST_CASE("a long attachment name is cut into RFC 2231 sections on folded lines") {
    std::string name;
    for (int i = 0; i < 120; ++i) name += "\xC3\xA9";  // é
    name += ".pdf";
    Email e = sample_email();
    e.attachments[0].filename = name;
    const std::string msg = render_mime(e);
    const size_t at = msg.find("Content-Disposition: attachment;");
    REQUIRE(at != std::string::npos);
    const std::string block = msg.substr(at, msg.find("\r\nContent-Transfer-Encoding", at) - at);
    std::string decoded;
    int section = 0;
    for (const auto& line : crlf_lines(block)) {
      CHECK(line.size() < 78);
      const size_t star = line.find("filename*" + std::to_string(section) + "*=");
      if (star == std::string::npos) continue;
      std::string value = line.substr(line.find('=', star) + 1);
      if (section == 0) {
        REQUIRE(value.starts_with("UTF-8''"));
        value = value.substr(7);
      }
      if (value.ends_with(";")) value.pop_back();
      for (size_t i = 0; i < value.size(); ++i) {
        if (value[i] != '%') {
          decoded += value[i];
          continue;
        }
        decoded += static_cast<char>(std::stoi(value.substr(i + 1, 2), nullptr, 16));
        i += 2;
      }
      ++section;
    }
    CHECK(section > 1);
    CHECK(decoded == name);
  }
}

TEST_SUITE("parse_mailbox") {
  TEST_CASE("name and address are split at the angle brackets") {
    const Mailbox m = parse_mailbox("Demo Shop <orders@shop.example>");
    CHECK(m.name == "Demo Shop");
    CHECK(m.address == "orders@shop.example");
  }

  TEST_CASE("a bare address has no name") {
    const Mailbox m = parse_mailbox("  orders@shop.example ");
    CHECK(m.name.empty());
    CHECK(m.address == "orders@shop.example");
  }

  TEST_CASE("a quoted name loses its quotes and escapes") {
    const Mailbox m = parse_mailbox(R"("Shop, \"Inc.\"" <orders@shop.example>)");
    CHECK(m.name == "Shop, \"Inc.\"");
    CHECK(m.address == "orders@shop.example");
  }

  TEST_CASE("a UTF-8 name is kept as is") {
    const Mailbox m = parse_mailbox(kZoe + " <zoe@example.com>");
    CHECK(m.name == kZoe);
    CHECK(m.address == "zoe@example.com");
  }
}

TEST_SUITE("mail addresses and file names") {
  TEST_CASE("only plain addr-specs are sendable") {
    CHECK(is_sendable_address("ann@example.com"));
    CHECK(is_sendable_address("ann+tag@sub.example.com"));
    CHECK_FALSE(is_sendable_address(""));
    CHECK_FALSE(is_sendable_address("ann"));
    CHECK_FALSE(is_sendable_address("@example.com"));
    CHECK_FALSE(is_sendable_address("ann@"));
    CHECK_FALSE(is_sendable_address("ann @example.com"));
    CHECK_FALSE(is_sendable_address("ann@example.com>\r\nRCPT TO:<x@y"));
    CHECK_FALSE(is_sendable_address("z\xC3\xB6@example.com"));
    CHECK_FALSE(is_sendable_address(std::string(250, 'a') + "@x.io"));
  }

  TEST_CASE("the .eml name comes from the Message-ID and is safe") {
    CHECK(eml_file_name("<email.confirmation.0190@shop.example>") == "email.confirmation.0190@shop.example.eml");
    const std::string traversal = eml_file_name("<../../etc/passwd>");
    CHECK(traversal.find('/') == std::string::npos);
    CHECK_FALSE(traversal.starts_with("."));
    CHECK(eml_file_name("<>") == "message.eml");
    CHECK(eml_file_name("<a b/c>") == "a_b_c.eml");
  }
}
