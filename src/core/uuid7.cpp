#include "core/uuid7.h"

#include <cstdio>

namespace shopd {

Uuid7Generator::Uuid7Generator(uint64_t seed) : rng_(seed) {}

std::string Uuid7Generator::next(TimePoint now) {
  std::lock_guard lock(mu_);
  int64_t ms = now.time_since_epoch().count();
  if (ms > last_ms_) {
    last_ms_ = ms;
    counter_ = static_cast<uint16_t>(rng_() & 0x3FF);  // leave headroom for the counter
  } else if (++counter_ > 0xFFF) {
    ++last_ms_;
    counter_ = 0;
  }
  ms = last_ms_;
  const uint64_t rand_b = rng_();
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
