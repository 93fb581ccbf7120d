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

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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

// "Demo Shop <orders@shop.example>", "\"Shop, Inc.\" <orders@shop.example>"
// or "orders@shop.example". Surrounding whitespace is ignored.
Mailbox parse_mailbox(const std::string& text);

// Whether `address` is a plain ASCII addr-spec that can go on an SMTP
// envelope and into a header unchanged: local@domain, at most 254 characters,
// no whitespace, control characters, quotes or angle brackets.
bool is_sendable_address(std::string_view address);


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
  // What the file transport names the .eml after, for the owner reading the
  // mail folder: "<order-id>.confirmation". Like message_id it must be stable
  // per message, so that a re-send overwrites the same file. Empty: named
  // after message_id. Other transports ignore it.
  std::string file_name;
};

// Permanent invalid_recipient / invalid_sender when an address of the email
// cannot be used; checked by every transport before it sends.
std::optional<JobError> check_addresses(const Email& email);

// The whole message, CRLF line endings, ready for SMTP DATA or an .eml file.
// Pure and deterministic: MIME boundaries derive from message_id, so the same
// Email renders byte-identically. Headers are folded below 78 characters;
// non-ASCII display names and subjects become RFC 2047 encoded-words; bodies
// are quoted-printable UTF-8, attachments base64.
std::string render_mime(const Email& email);

// The file name the file transport uses for an Email::file_name, or for a
// Message-ID when there is none: the text without angle brackets, every
// character outside [A-Za-z0-9._@+-] replaced by '_', plus ".eml". The same
// text always gives the same name, and never a path or a hidden file.
std::string eml_file_name(const std::string& name_or_message_id);

class Mailer {
 public:
  virtual ~Mailer() = default;
  virtual std::optional<JobError> send(const Email& email, const Cancel& cancel) = 0;
};

// Writes <dir>/<eml_file_name(file_name, else message_id)> atomically
// (write_file_atomically, fsynced when `sync`); creates `dir` when missing.
// I/O errors are Transient "mail_write_failed".
std::unique_ptr<Mailer> make_file_mailer(const std::filesystem::path& dir, bool sync = true);
// Sends through config.smtp_url: smtp:// upgrades with STARTTLS when the
// relay offers it (and insists on it when a username is set, so a password
// never crosses the network in the clear); smtps:// is TLS from the start.
// `ca_bundle`: PEM certificates to trust (Config::Tls::ca_bundle; empty: the
// system store); its text must outlive the mailer.
std::unique_ptr<Mailer> make_smtp_mailer(const Config::Email& config, std::string_view ca_bundle = {});
// By config.transport ("file" | "smtp"); throws ConfigError for any other name.
// `sync_files`: fsync .eml files (the file transport), as for
// write_file_atomically; shopd passes database.synchronous == "full".
std::unique_ptr<Mailer> make_mailer(const Config::Email& config, std::string_view ca_bundle = {},
                                    bool sync_files = true);

// What a finished SMTP transfer means (pure). `curl_code` is the CURLcode,
// `reply_code` the last SMTP reply (CURLINFO_RESPONSE_CODE, 0 when none),
// `detail` libcurl's message. nullopt on success. A 4xx reply is Transient
// "smtp_<code>", a 5xx reply Permanent "smtp_<code>" (provider_status = the
// reply code); without a reply, the transfer error's classification applies
// (timeout, connect_failed, tls: Unreachable; cancelled: Transient).
std::optional<JobError> interpret_smtp_result(int curl_code, long reply_code, const std::string& detail);

}  // namespace shopd
