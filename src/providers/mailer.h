// Sending email. Both transports send the identical RFC 5322 / MIME message
// (render_mime): "file" writes it as an .eml file, "smtp" hands it to a relay
// through libcurl.
//
// Contract: send() is idempotent per Email::message_id as far as the transport
// allows (the file transport overwrites the same file; an SMTP relay or the
// recipient's client can dedupe on Message-ID). Errors are typed: connection
// trouble, timeouts and SMTP 4xx replies are Transient; 5xx replies (bad
// recipient, rejected message) are Permanent. Thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/cancel.h"
#include "core/error.h"
#include "core/time.h"

namespace shopd {

struct Mailbox {
  std::string name;     // display name, any Unicode; may be empty
  std::string address;  // addr-spec, ASCII
};

// "Demo Shop <orders@shop.example>" or "orders@shop.example"
Mailbox parse_mailbox(const std::string& text);

struct Attachment {
  std::string filename;
  std::string content_type;  // "application/pdf"
  std::string data;          // raw bytes
};

struct Email {
  Mailbox from;
  Mailbox to;
  std::string subject;     // UTF-8; encoded per RFC 2047 when not ASCII
  std::string text;        // UTF-8 plain-text body (always sent)
  std::string html;        // UTF-8 HTML alternative; empty for text only
  std::vector<Attachment> attachments;
  std::string message_id;  // "<...@...>", stable per job
  TimePoint date;
};

// The whole message, CRLF line endings, ready for SMTP DATA or an .eml file.
std::string render_mime(const Email& email);

class Mailer {
 public:
  virtual ~Mailer() = default;
  virtual std::optional<JobError> send(const Email& email, const Cancel& cancel) = 0;
};

std::unique_ptr<Mailer> make_file_mailer(const std::filesystem::path& dir);
std::unique_ptr<Mailer> make_smtp_mailer(const Config::Email& config);
std::unique_ptr<Mailer> make_mailer(const Config::Email& config);

}  // namespace shopd
