#include "core/uuid7.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdio>
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
  int64_t ms = now.time_since_epoch().count();
  if (ms > last_ms_) {
    last_ms_ = ms;
    counter_ = static_cast<uint16_t>(random_u64() & 0x3FF);  // leave headroom for the counter
  } else if (++counter_ > 0xFFF) {
    ++last_ms_;
    counter_ = 0;
  }
  ms = last_ms_;
  const uint64_t rand_b = random_u64();
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>((ms >> 16) & 0xFFFFFFFF), static_cast<unsigned>(ms & 0xFFFF),
                static_cast<unsigned>(0x7000 | counter_),
                static_cast<unsigned>(0x8000 | ((rand_b >> 48) & 0x3FFF)),
                static_cast<unsigned long long>(rand_b & 0xFFFFFFFFFFFFULL));
  return buf;
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
