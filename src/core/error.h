// Expected failures are values, not exceptions. Exceptions are reserved for
// what nobody can handle locally (SQLite busy or full, a bug); they are caught
// in two places only: the HTTP exception handler (503) and the worker loop.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "core/source_location.h"

namespace shopd {

// Why a job attempt failed. Providers classify by the protocol (HTTP status,
// Stripe error type, SMTP reply code, libcurl's result), never by matching
// message text:
//   Transient    the provider answered and the answer says "try again"
//                (5xx, 429, SMTP 4xx): retried with backoff; counts against
//                max_attempts.
//   Unreachable  no answer at all (connection refused, DNS, TLS handshake,
//                no answer before the timeout): retried with backoff capped at
//                max_seconds until retry.unreachable_seconds have passed since
//                the first such failure; does not count against max_attempts.
//   Permanent    the provider said no (card declined, 4xx): the failure hook.
// The message and body excerpt are scrubbed of secrets when they are set
// (core/redact.h): a provider that echoes a key never gets it stored.
struct JobError {
  enum class Kind { Transient, Unreachable, Permanent };

  Kind kind = Kind::Transient;
  std::string code;            // short machine name: "card_declined", "timeout", "smtp_451"
  std::string message;         // for humans, safe to show the owner
  int provider_status = 0;     // HTTP status or SMTP reply code, 0 when none
  std::optional<int> retry_after_seconds;  // the provider's Retry-After, if it sent one
  std::string body_excerpt;    // start of the provider's answer, for the failure record
  std::string where;           // "src/providers/payment_stripe.cpp:88 charge" — where it was raised
  std::string provider_ref;    // the provider's id for what the attempt made ("pi_..."), if it said

  static JobError transient(std::string code, std::string message,
                            SourceLocation loc = SourceLocation::current());
  static JobError permanent(std::string code, std::string message,
                            SourceLocation loc = SourceLocation::current());
  static JobError unreachable(std::string code, std::string message,
                              SourceLocation loc = SourceLocation::current());

  bool is_permanent() const { return kind == Kind::Permanent; }
  bool is_unreachable() const { return kind == Kind::Unreachable; }
  JobError& with_status(int status) { provider_status = status; return *this; }
  JobError& with_body(std::string_view body);
  JobError& with_retry_after(std::optional<int> seconds) { retry_after_seconds = seconds; return *this; }
  JobError& with_provider_ref(std::string ref) { provider_ref = std::move(ref); return *this; }
};

std::string where_of(const SourceLocation& loc);

// The longest prefix of `text` of at most `max_bytes` that does not cut a
// UTF-8 sequence in half.
std::string_view utf8_prefix(std::string_view text, size_t max_bytes);

// A value or the JobError that prevented it.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(JobError error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  const T& value() const { return std::get<0>(v_); }
  T& value() { return std::get<0>(v_); }
  const JobError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, JobError> v_;
};

// One line that names the offending key: "retry.base_seconds: must be > 0 (got -1)".
// Control characters in the key or the message (a config file can hold any
// bytes) are shown escaped ("\n", "\x0E"), so it is one line whatever the file held.
struct ConfigError : std::runtime_error {
  ConfigError(std::string key, std::string message);
  std::string key;
};

}  // namespace shopd
