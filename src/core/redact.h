// Secrets never leave the process or land in the database (SPEC sections 4
// and 6), even when a provider echoes one back: Stripe's 401 quotes the API
// key, a mock quotes the whole Authorization header, an error quotes a card
// token. scrub_secrets() is the one function that removes them from text
// crossing that boundary. It is applied where outside text enters shopd's
// error values (JobError, so the database, alerts and emails get clean text)
// and to every log field (obs/log.cpp).
//
// What it removes, anywhere in the text:
//   - Stripe-style keys and tokens: sk_..., rk_..., whsec_..., pm_..., tok_...
//     (live and test forms), and client secrets (..._secret_...);
//   - Authorization header values and Bearer / Basic credentials;
//   - the exact value of every secret the config names (register_secret).
// Each is replaced by its harmless prefix and "[redacted]" ("sk_live_[redacted]").
//
// Thread-safe. Secrets are registered once at startup, before threads start
// using them; registering more later is safe but costs a lock.
#pragma once

#include <string>
#include <string_view>

namespace shopd {

// Scrubs every later occurrence of `value` (ignored when shorter than 4 characters).
void register_secret(std::string_view value);

std::string scrub_secrets(std::string_view text);

}  // namespace shopd
