// UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then randomness. Ids made in
// one process sort in creation order, which keeps SQLite's primary-key b-trees
// append-mostly and lets "newest first" be "ORDER BY id DESC".
#pragma once

#include <cstdint>
#include <mutex>
#include <random>
#include <string>

#include "core/time.h"

namespace shopd {

// Thread-safe. Within one millisecond a 12-bit counter (RFC 9562 "method 1")
// keeps ids strictly increasing; when it overflows the timestamp borrows a
// millisecond from the future rather than break the order.
class Uuid7Generator {
 public:
  explicit Uuid7Generator(uint64_t seed = std::random_device{}());
  std::string next(TimePoint now);

 private:
  std::mutex mu_;
  std::mt19937_64 rng_;
  int64_t last_ms_ = 0;
  uint16_t counter_ = 0;
};

// The process-wide generator, used for every id shopd writes.
std::string new_uuid7();

bool is_uuid(std::string_view text);

}  // namespace shopd
