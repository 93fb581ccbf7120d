#include "core/uuid7.h"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace shopd {

void kernel_random_bytes(uint8_t* out, size_t size) {
  while (size > 0) {
    const ssize_t n = ::getrandom(out, size, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "getrandom");
    }
    out += n;
    size -= static_cast<size_t>(n);
  }
}

namespace {

// 8-4-4-4-12 lower-case hex; ids are made for every request and row, and
// snprintf was most of their cost.
std::string format_uuid(uint64_t high, uint64_t low) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  size_t at = 0;
  auto put = [&](uint64_t bits, int nibbles) {
    for (int i = nibbles - 1; i >= 0; --i) {
      if (at == 8 || at == 13 || at == 18 || at == 23) ++at;
      out[at++] = kHex[(bits >> (4 * i)) & 0xF];
    }
  };
  put(high, 16);
  put(low, 16);
  return out;
}

}  // namespace

Uuid7Generator::Uuid7Generator(RandomBytes random) : random_(std::move(random)) {}

uint64_t Uuid7Generator::random_u64() {
  if (pool_used_ + sizeof(uint64_t) > sizeof(pool_)) {
    random_(pool_, sizeof(pool_));
    pool_used_ = 0;
  }
  uint64_t v;
  std::memcpy(&v, pool_ + pool_used_, sizeof v);
  // Used bytes are wiped so that a later memory disclosure does not reveal ids already handed out.
  std::memset(pool_ + pool_used_, 0, sizeof v);
  pool_used_ += sizeof v;
  return v;
}

std::string Uuid7Generator::next(TimePoint now) {
  std::lock_guard lock(mu_);
  const int64_t ms = now.time_since_epoch().count();
  if (ms > last_ms_) {
    last_ms_ = ms;
    counter_ = static_cast<uint16_t>(random_u64() & 0x3FF);  // leave headroom for the counter
  } else if (++counter_ > 0xFFF) {
    ++last_ms_;
    counter_ = 0;
  }
  const uint64_t high = static_cast<uint64_t>(last_ms_) << 16 | 0x7000 | counter_;  // 48-bit ms, version, counter
  const uint64_t low = 0x8000000000000000ULL | (random_u64() & 0x3FFFFFFFFFFFFFFFULL);  // variant 10, 62 random bits
  return format_uuid(high, low);
}

std::string new_uuid7() {
  static Uuid7Generator generator;
  return generator.next(SystemClock().now());
}

bool is_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

}  // namespace shopd
