// UUIDv7 ids (src/core/uuid7.cpp): RFC 9562 layout, and ids that sort in
// creation order, so "newest first" is ORDER BY id DESC.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "core/uuid7.h"

using namespace shopd;

namespace {

TimePoint ms(int64_t since_epoch) { return TimePoint(Millis(since_epoch)); }

// The 48-bit Unix millisecond timestamp at the front of a UUIDv7.
int64_t timestamp_of(const std::string& id) {
  return std::stoll(id.substr(0, 8) + id.substr(9, 4), nullptr, 16);
}

// A reproducible random source for tests; shopd itself always uses the kernel's.
RandomBytes seeded(uint64_t seed) {
  auto rng = std::make_shared<std::mt19937_64>(seed);
  return [rng](uint8_t* out, size_t size) {
    for (size_t i = 0; i < size; ++i) out[i] = static_cast<uint8_t>((*rng)());
  };
}

}  // namespace

TEST_SUITE("uuid7") {
  TEST_CASE("an id has the RFC 9562 version 7 layout") {
    Uuid7Generator gen(seeded(1));
    for (int i = 0; i < 100; ++i) {
      const std::string id = gen.next(ms(1'795'000'000'000 + i));
      CAPTURE(id);
      CHECK(is_uuid(id));
      CHECK(id[14] == '7');                                          // version
      CHECK(std::string("89ab").find(id[19]) != std::string::npos);  // variant 10xx
    }
  }

  TEST_CASE("the id starts with the Unix time in milliseconds") {
    Uuid7Generator gen(seeded(1));
    const int64_t t = 1'795'000'123'456;  // 2026-11-18
    CHECK(timestamp_of(gen.next(ms(t))) == t);
    CHECK(timestamp_of(gen.next(ms(t + 1000))) == t + 1000);
  }

  TEST_CASE("ids sort in creation order across milliseconds") {
    Uuid7Generator gen(seeded(7));
    std::vector<std::string> ids;
    for (int64_t t = 1'795'000'000'000; t < 1'795'000'000'000 + 500; t += 3) ids.push_back(gen.next(ms(t)));
    CHECK(std::is_sorted(ids.begin(), ids.end()));
    CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == ids.size());
  }

  TEST_CASE("ids made within one millisecond are strictly increasing") {
    Uuid7Generator gen(seeded(42));
    std::string previous = gen.next(ms(1'795'000'000'000));
    for (int i = 0; i < 1000; ++i) {
      const std::string id = gen.next(ms(1'795'000'000'000));
      REQUIRE(id > previous);
      previous = id;
    }
  }

  TEST_CASE("more ids in one millisecond than the counter holds stay increasing") {
    Uuid7Generator gen(seeded(3));
    std::string previous = gen.next(ms(1'795'000'000'000));
    for (int i = 0; i < 20'000; ++i) {
      const std::string id = gen.next(ms(1'795'000'000'000));
      REQUIRE(id > previous);
      previous = id;
    }
    // The overflow borrowed from the future; a later real millisecond still sorts after.
    CHECK(gen.next(ms(1'795'000'001'000)) > previous);
  }

  TEST_CASE("a clock that steps back does not break the order") {
    Uuid7Generator gen(seeded(5));
    const std::string before = gen.next(ms(1'795'000'000'500));
    const std::string after = gen.next(ms(1'795'000'000'000));
    CHECK(after > before);
  }

  TEST_CASE("generators with different seeds make different ids for the same instant") {
    Uuid7Generator a(seeded(1)), b(seeded(2));
    CHECK(a.next(ms(1'795'000'000'000)) != b.next(ms(1'795'000'000'000)));
  }

  TEST_CASE("the random bits of an id are the random source's bytes") {
    Uuid7Generator gen([](uint8_t* out, size_t size) { std::memset(out, 0xAB, size); });
    const std::string id = gen.next(ms(1'795'000'000'000));
    CHECK(id.substr(19) == "abab-abababababab");  // variant bits 10, then 62 random bits
  }

  TEST_CASE("a failing random source fails the id instead of handing out a guessable one") {
    Uuid7Generator gen([](uint8_t*, size_t) { throw std::system_error(ENOSYS, std::generic_category(), "getrandom"); });
    CHECK_THROWS_AS(gen.next(ms(1'795'000'000'000)), std::system_error);
  }

  TEST_CASE("generators on the kernel's randomness never repeat each other's ids") {
    Uuid7Generator a, b;
    std::set<std::string> tails;
    for (int i = 0; i < 1000; ++i) {
      const TimePoint now = ms(1'795'000'000'000 + i);
      tails.insert(a.next(now).substr(19));
      tails.insert(b.next(now).substr(19));
    }
    CHECK(tails.size() == 2000);
  }

  TEST_CASE("new_uuid7 is unique and ordered per thread when called from many threads") {
    constexpr int kThreads = 8;
    constexpr int kPerThread = 2000;
    std::vector<std::vector<std::string>> made(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&made, t] {
        for (int i = 0; i < kPerThread; ++i) made[t].push_back(new_uuid7());
      });
    for (auto& th : threads) th.join();
    std::set<std::string> all;
    for (const auto& ids : made) {
      CHECK(std::is_sorted(ids.begin(), ids.end()));
      all.insert(ids.begin(), ids.end());
    }
    CHECK(all.size() == static_cast<size_t>(kThreads * kPerThread));
  }

  TEST_CASE("is_uuid accepts only the lower-case 8-4-4-4-12 form") {
    CHECK(is_uuid("01936b2e-8f3a-7c41-9d2e-0123456789ab"));
    CHECK_FALSE(is_uuid(""));
    CHECK_FALSE(is_uuid("01936B2E-8F3A-7C41-9D2E-0123456789AB"));
    CHECK_FALSE(is_uuid("01936b2e8f3a7c419d2e0123456789ab"));
    CHECK_FALSE(is_uuid("01936b2e-8f3a-7c41-9d2e-0123456789a"));
    CHECK_FALSE(is_uuid("01936b2e-8f3a-7c41-9d2e-0123456789abc"));
    CHECK_FALSE(is_uuid("01936b2e-8f3a-7c41-9d2e_0123456789ab"));
    CHECK_FALSE(is_uuid("01936b2g-8f3a-7c41-9d2e-0123456789ab"));
    CHECK_FALSE(is_uuid("../../../../etc/passwd-0123456789ab"));
  }
}
