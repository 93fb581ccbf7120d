#include "outbox/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace shopd {

double backoff_ceiling(const RetryPolicy& policy, int attempts_made) {
  const int exponent = std::clamp(attempts_made - 1, 0, 1000);
  // ldexp saturates to infinity instead of overflowing; min() brings it back.
  return std::min(policy.max_seconds, std::ldexp(policy.base_seconds, exponent));
}

Millis full_jitter(double ceiling_seconds, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> dist(0.0, std::max(0.0, ceiling_seconds));
  return Millis(static_cast<int64_t>(std::llround(dist(rng) * 1000.0)));
}

TimePoint next_run_at(TimePoint now, const RetryPolicy& policy, int attempts_made,
                      std::optional<int> retry_after_seconds, std::mt19937_64& rng) {
  Millis delay = full_jitter(backoff_ceiling(policy, attempts_made), rng);
  if (retry_after_seconds && *retry_after_seconds > 0) {
    const double floor_seconds = std::min<double>(*retry_after_seconds, policy.max_seconds);
    delay = std::max(delay, Millis(static_cast<int64_t>(floor_seconds * 1000.0)));
  }
  return now + delay;
}

}  // namespace shopd
