// Idempotency-Key handling for POST /orders that is not storage: checking the
// header, hashing the request, and refusing a key while a request that uses
// it is still being answered (409 idempotency_key_in_use).
//
// The stored half (replay within 24 h, 422 on a different body) is
// store/idempotency_store.h, checked inside the intake transaction.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include <nlohmann/json.hpp>

namespace shopd {

// 1-255 printable ASCII characters (SPEC section 3).
bool is_valid_idempotency_key(std::string_view key);

// Same JSON value -> same hash, whatever the key order or whitespace.
std::string request_fingerprint(const nlohmann::json& body);

// Keys of requests being answered right now. Thread-safe.
class InFlightKeys {
 public:
  // RAII claim on a key; empty when another request holds it.
  class Claim {
   public:
    Claim() = default;
    Claim(InFlightKeys* owner, std::string key) : owner_(owner), key_(std::move(key)) {}
    Claim(Claim&& o) noexcept : owner_(o.owner_), key_(std::move(o.key_)) { o.owner_ = nullptr; }
    Claim& operator=(Claim&&) = delete;
    ~Claim() {
      if (owner_) owner_->release(key_);
    }
    explicit operator bool() const { return owner_ != nullptr; }

   private:
    InFlightKeys* owner_ = nullptr;
    std::string key_;
  };

  Claim try_claim(const std::string& key);

 private:
  void release(const std::string& key);
  std::mutex mu_;
  std::unordered_set<std::string> keys_;
};

}  // namespace shopd
