#include <doctest/doctest.h>

#include <algorithm>
#include <climits>
#include <random>
#include <vector>

#include "outbox/retry_policy.h"

using namespace shopd;

namespace {

RetryPolicy policy(double base, double max, int attempts = 8) { return RetryPolicy{attempts, base, max}; }

TimePoint now() { return *parse_iso("2030-01-02T03:04:05.000Z"); }

std::vector<Millis> draws(double ceiling, int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Millis> out;
  for (int i = 0; i < n; ++i) out.push_back(full_jitter(ceiling, rng));
  return out;
}

}  // namespace

TEST_SUITE("retry_policy") {
  TEST_CASE("the first retry may wait at most base_seconds") {
    CHECK(backoff_ceiling(policy(2, 3600), 1) == doctest::Approx(2));
    CHECK(backoff_ceiling(policy(0.05, 0.2), 1) == doctest::Approx(0.05));
  }

  TEST_CASE("the ceiling doubles with every failed attempt") {
    const auto p = policy(2, 3600);
    for (int n = 1; n < 10; ++n) CHECK(backoff_ceiling(p, n + 1) == doctest::Approx(2 * backoff_ceiling(p, n)));
    CHECK(backoff_ceiling(p, 4) == doctest::Approx(16));
  }

  TEST_CASE("the ceiling never exceeds max_seconds, however many attempts were made") {
    const auto p = policy(2, 3600);
    CHECK(backoff_ceiling(p, 11) == doctest::Approx(2048));
    CHECK(backoff_ceiling(p, 12) == doctest::Approx(3600));
    for (int n : {13, 50, 1024, 1025, 5000, INT_MAX}) CHECK(backoff_ceiling(p, n) == doctest::Approx(3600));
  }

  TEST_CASE("decimal base_seconds double up to the cap") {
    const auto p = policy(0.05, 0.2);
    CHECK(backoff_ceiling(p, 2) == doctest::Approx(0.1));
    CHECK(backoff_ceiling(p, 3) == doctest::Approx(0.2));
    CHECK(backoff_ceiling(p, 4) == doctest::Approx(0.2));
  }

  TEST_CASE("a jittered delay is always between zero and the ceiling") {
    for (double ceiling : {0.05, 1.0, 16.0, 3600.0}) {
      CAPTURE(ceiling);
      for (Millis d : draws(ceiling, 5000, 42)) {
        REQUIRE(d >= Millis(0));
        REQUIRE(d <= Millis(static_cast<int64_t>(ceiling * 1000)));
      }
    }
  }

  TEST_CASE("full jitter spreads delays over the whole range, not near the ceiling") {
    // Equal jitter (ceiling/2 + random) or no jitter would never produce the
    // short delays; retries of many orders would come back in waves.
    const auto d = draws(10.0, 10000, 7);
    const auto [lo, hi] = std::minmax_element(d.begin(), d.end());
    CHECK(*lo < Millis(500));
    CHECK(*hi > Millis(9500));
    double sum = 0;
    for (Millis x : d) sum += static_cast<double>(x.count());
    const double mean_ms = sum / static_cast<double>(d.size());
    CHECK(mean_ms == doctest::Approx(5000).epsilon(0.05));
    // Every tenth of the range gets its share.
    int buckets[10] = {};
    for (Millis x : d) ++buckets[std::min<int64_t>(9, x.count() / 1000)];
    for (int b : buckets) CHECK(b > 800);
  }

  TEST_CASE("the same random source gives the same delays") {
    CHECK(draws(60, 100, 123) == draws(60, 100, 123));
    CHECK(draws(60, 100, 123) != draws(60, 100, 124));
  }

  TEST_CASE("a zero or negative ceiling means run again at once") {
    std::mt19937_64 rng(1);
    CHECK(full_jitter(0.0, rng) == Millis(0));
    CHECK(full_jitter(-5.0, rng) == Millis(0));
  }

  TEST_CASE("next_run_at is now plus a delay within the attempt's ceiling") {
    const auto p = policy(2, 3600);
    std::mt19937_64 rng(99);
    for (int attempt = 1; attempt <= 14; ++attempt) {
      CAPTURE(attempt);
      const Millis ceiling(static_cast<int64_t>(backoff_ceiling(p, attempt) * 1000));
      for (int i = 0; i < 200; ++i) {
        const TimePoint t = next_run_at(now(), p, attempt, std::nullopt, rng);
        REQUIRE(t >= now());
        REQUIRE(t <= now() + ceiling);
      }
    }
  }

  TEST_CASE("later attempts wait longer on average") {
    const auto p = policy(1, 3600);
    std::mt19937_64 rng(5);
    auto mean_delay = [&](int attempt) {
      double sum = 0;
      for (int i = 0; i < 2000; ++i) sum += static_cast<double>((next_run_at(now(), p, attempt, std::nullopt, rng) - now()).count());
      return sum / 2000;
    };
    const double a1 = mean_delay(1), a3 = mean_delay(3), a6 = mean_delay(6);
    CHECK(a1 < a3);
    CHECK(a3 < a6);
  }

  TEST_CASE("Retry-After is a floor: the job never runs before the provider asked") {
    const auto p = policy(1, 3600);
    std::mt19937_64 rng(3);
    for (int i = 0; i < 500; ++i) {
      const TimePoint t = next_run_at(now(), p, 1, 30, rng);
      // The jittered delay is at most 1 s, so the floor decides.
      REQUIRE(t == now() + std::chrono::seconds(30));
    }
  }

  TEST_CASE("Retry-After does not shorten a longer jittered delay") {
    const auto p = policy(100, 100);
    std::mt19937_64 rng(11);
    bool some_longer = false;
    for (int i = 0; i < 500; ++i) {
      const TimePoint t = next_run_at(now(), p, 3, 2, rng);
      REQUIRE(t >= now() + std::chrono::seconds(2));
      REQUIRE(t <= now() + std::chrono::seconds(100));
      some_longer = some_longer || t > now() + std::chrono::seconds(2);
    }
    CHECK(some_longer);
  }

  TEST_CASE("Retry-After is capped at max_seconds") {
    const auto p = policy(1, 60);
    std::mt19937_64 rng(8);
    for (int attempt : {1, 3, 20}) {
      const TimePoint t = next_run_at(now(), p, attempt, 86400, rng);
      CHECK(t == now() + std::chrono::seconds(60));
    }
  }

  TEST_CASE("a zero Retry-After adds no floor") {
    const auto p = policy(10, 10);
    std::mt19937_64 rng(4);
    bool some_short = false;
    for (int i = 0; i < 500; ++i) some_short = some_short || next_run_at(now(), p, 1, 0, rng) < now() + std::chrono::seconds(1);
    CHECK(some_short);
  }
}
