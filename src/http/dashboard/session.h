// Dashboard sign-in sessions: what the cookie holds, what the database
// stores, when a session ends, and the CSRF token that goes with it.
//
// - The session id is 32 random bytes (OpenSSL RAND_bytes) as 64 hex
//   characters, held only by the browser, in an HttpOnly, SameSite=Strict
//   cookie (Secure when shop.public_url is https).
// - The database stores SHA-256(id) (store/session_store.h), so neither a
//   backup nor a read of the live file yields a usable sign-in.
// - The CSRF token is derived from the id (SHA-256 of a fixed prefix and the
//   id): tied to the session, nothing more to store, unknown to anyone who
//   cannot read the cookie.
// - A session ends at sign-out, after kIdleLimit without a request, or
//   kAbsoluteLimit after sign-in, whichever comes first.
//
// Pure functions apart from new_session_id(); thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"
#include "store/session_store.h"

namespace shopd::dashboard {

// An owner reading the overview (it refreshes itself) stays signed in; a
// laptop left open overnight does not.
inline constexpr auto kIdleLimit = std::chrono::hours(1);
inline constexpr auto kAbsoluteLimit = std::chrono::hours(12);
// last_seen_at is written at most this often, so browsing costs no write per page.
inline constexpr auto kTouchInterval = std::chrono::minutes(1);

inline constexpr std::string_view kCookieName = "shopd_session";

std::string new_session_id();
// Whether text has the shape new_session_id() makes (64 lower-case hex characters).
bool is_session_id(std::string_view text);
std::string session_id_hash(std::string_view session_id);
std::string csrf_token_for(std::string_view session_id);

enum class SessionVerdict { Valid, ValidTouch, Expired };
// Valid; ValidTouch when last_seen_at should be advanced; Expired past either limit.
SessionVerdict judge_session(const store::AdminSession& session, TimePoint now);

// Set-Cookie values. The cookie lives for the browser session (no Max-Age):
// the server decides expiry; clearing sets Max-Age=0.
std::string session_cookie(std::string_view session_id, bool secure);
std::string cleared_session_cookie(bool secure);

// Secure cookies when the shop is reached over https (shop.public_url).
bool wants_secure_cookie(std::string_view public_url);

// Slows down guessing the admin token: after kMaxFailedSignIns wrong tokens
// within a minute, sign-in is refused (429) until that minute is over. One
// counter for the whole process, not per client address: behind the TLS
// proxy every client has the proxy's address. An owner locked out this way
// waits a minute; the CLI and the bearer API are not affected.
// Thread-safe.
inline constexpr int kMaxFailedSignIns = 10;
class SignInThrottle {
 public:
  // False while sign-in is refused.
  bool allows(TimePoint now);
  void record_failure(TimePoint now);

 private:
  std::mutex mu_;
  TimePoint window_start_{};
  int failures_ = 0;
};

}  // namespace shopd::dashboard
