#include "http/idempotency.h"

#include <algorithm>

#include "core/sha256.h"

namespace shopd {

bool is_valid_idempotency_key(std::string_view key) {
  return !key.empty() && key.size() <= 255 &&
         std::all_of(key.begin(), key.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

std::string request_fingerprint(const nlohmann::json& body) {
  // nlohmann::json keeps object keys sorted, so dump() is canonical.
  return sha256_hex(body.dump());
}

InFlightKeys::Claim InFlightKeys::try_claim(const std::string& key) {
  std::lock_guard lock(mu_);
  if (!keys_.insert(key).second) return Claim();
  return Claim(this, key);
}

void InFlightKeys::release(const std::string& key) {
  std::lock_guard lock(mu_);
  keys_.erase(key);
}

}  // namespace shopd
