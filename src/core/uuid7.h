// UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then randomness. Ids made in
// one process sort in creation order, which keeps SQLite's primary-key b-trees
// append-mostly and lets "newest first" be "ORDER BY id DESC".
//
// Order ids guard the public invoice and status pages, and every X-Request-Id
// shows the generator's output, so the random bits come from the kernel's
// CSPRNG (getrandom(2)): seeing ids never helps to guess another.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "core/time.h"

namespace shopd {

// Fills `size` bytes at `out` with unpredictable bytes. Throws std::system_error.
using RandomBytes = std::function<void(uint8_t* out, size_t size)>;

// getrandom(2), retried on EINTR and short reads. Thread-safe.
void kernel_random_bytes(uint8_t* out, size_t size);

// Thread-safe. Within one millisecond a 12-bit counter (RFC 9562 "method 1")
// keeps ids strictly increasing; when it overflows the timestamp borrows a
// millisecond from the future rather than break the order. The counter starts
// at a random value below 0x400 each millisecond and the last 62 bits are
// random for every id.
class Uuid7Generator {
 public:
  // Tests pass their own source; every id shopd writes uses the kernel's.
  explicit Uuid7Generator(RandomBytes random = kernel_random_bytes);
  std::string next(TimePoint now);

 private:
  uint64_t random_u64();  // REQUIRES: mu_ held

  std::mutex mu_;
  RandomBytes random_;
  // The kernel is asked for a block at a time: one system call per 64 ids
  // rather than one per id.
  uint8_t pool_[512];
  size_t pool_used_ = sizeof(pool_);
  int64_t last_ms_ = 0;
  uint16_t counter_ = 0;
};

// The process-wide generator, used for every id shopd writes.
std::string new_uuid7();

bool is_uuid(std::string_view text);

}  // namespace shopd
