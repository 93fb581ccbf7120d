#include "http/dashboard/session.h"

#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

#include "core/sha256.h"

namespace shopd::dashboard {

namespace {

constexpr size_t kIdBytes = 32;

std::string cookie(std::string_view value, bool secure, std::string_view extra) {
  std::string c(kCookieName);
  c += '=';
  c += value;
  c += "; Path=/admin; HttpOnly; SameSite=Strict";
  if (secure) c += "; Secure";
  c += extra;
  return c;
}

}  // namespace

std::string new_session_id() {
  unsigned char bytes[kIdBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
  }
  return out;
}

bool is_session_id(std::string_view text) {
  return text.size() == kIdBytes * 2 &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string session_id_hash(std::string_view session_id) { return sha256_hex(session_id); }

std::string csrf_token_for(std::string_view session_id) {
  return sha256_hex("shopd dashboard csrf\n" + std::string(session_id));
}

SessionVerdict judge_session(const store::AdminSession& session, TimePoint now) {
  const auto created = parse_iso(session.created_at);
  const auto seen = parse_iso(session.last_seen_at);
  if (!created || !seen) return SessionVerdict::Expired;
  if (now - *created >= kAbsoluteLimit || now - *seen >= kIdleLimit) return SessionVerdict::Expired;
  return now - *seen >= kTouchInterval ? SessionVerdict::ValidTouch : SessionVerdict::Valid;
}

std::string session_cookie(std::string_view session_id, bool secure) { return cookie(session_id, secure, ""); }

std::string cleared_session_cookie(bool secure) { return cookie("", secure, "; Max-Age=0"); }

bool wants_secure_cookie(std::string_view public_url) { return public_url.substr(0, 8) == "https://"; }

bool SignInThrottle::allows(TimePoint now) {
  std::lock_guard lock(mu_);
  if (now - window_start_ >= std::chrono::minutes(1)) {
    window_start_ = now;
    failures_ = 0;
  }
  return failures_ < kMaxFailedSignIns;
}

void SignInThrottle::record_failure(TimePoint now) {
  std::lock_guard lock(mu_);
  if (now - window_start_ >= std::chrono::minutes(1)) {
    window_start_ = now;
    failures_ = 0;
  }
  ++failures_;
}

}  // namespace shopd::dashboard
