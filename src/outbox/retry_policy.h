// When a failed job runs next: full-jitter exponential backoff.
//
// The delay before attempt n+1 (after n attempts) is uniformly random in
// [0, min(max_seconds, base_seconds * 2^(n-1))]. Full jitter spreads the
// retries of many orders that failed together (a provider outage) instead of
// sending them back in synchronized waves. A provider's Retry-After is a
// floor: the job never runs earlier than the provider asked, but never later
// than max_seconds either.
//
// Pure functions: the caller passes the clock reading and the random source.
#pragma once

#include <optional>
#include <random>

#include "config/config.h"
#include "core/time.h"

namespace shopd {

// Upper bound of the delay after `attempts_made` attempts (>= 1), in seconds.
double backoff_ceiling(const RetryPolicy& policy, int attempts_made);

// A uniformly random delay in [0, ceiling_seconds].
Millis full_jitter(double ceiling_seconds, std::mt19937_64& rng);

TimePoint next_run_at(TimePoint now, const RetryPolicy& policy, int attempts_made,
                      std::optional<int> retry_after_seconds, std::mt19937_64& rng);

}  // namespace shopd
