// Idempotency-Key handling that is not storage (src/http/idempotency.cpp):
// which keys are accepted, when two bodies count as "the same request", and
// the in-flight claim behind 409 idempotency_key_in_use.
#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "http/idempotency.h"

using namespace shopd;
using nlohmann::json;

TEST_SUITE("idempotency") {
  TEST_CASE("a key is 1 to 255 printable ASCII characters") {
    CHECK(is_valid_idempotency_key("a"));
    CHECK(is_valid_idempotency_key("3f1c2a9e-7b1d-4c55-9a51-0d0f4e6b9a10"));
    CHECK(is_valid_idempotency_key("order 42 / try #1 ~!"));
    CHECK(is_valid_idempotency_key(std::string(255, 'k')));
    CHECK_FALSE(is_valid_idempotency_key(""));
    CHECK_FALSE(is_valid_idempotency_key(std::string(256, 'k')));
    CHECK_FALSE(is_valid_idempotency_key("key\twith-tab"));
    CHECK_FALSE(is_valid_idempotency_key("key\n"));
    CHECK_FALSE(is_valid_idempotency_key("key\x7F"));
    CHECK_FALSE(is_valid_idempotency_key(std::string("key\0", 4)));
    CHECK_FALSE(is_valid_idempotency_key("schl\xC3\xBCssel"));
  }

  TEST_CASE("the same JSON value has the same fingerprint whatever the key order or whitespace") {
    const json a = json::parse(R"({"customer": {"email": "ann@example.com", "name": "Ann"},
                                   "items": [{"sku": "MUG-01", "qty": 2}]})");
    const json b = json::parse(R"({"items":[{"qty":2,"sku":"MUG-01"}],"customer":{"name":"Ann","email":"ann@example.com"}})");
    CHECK(request_fingerprint(a) == request_fingerprint(b));
    CHECK(request_fingerprint(a).size() == 64);  // SHA-256, hex
  }

  TEST_CASE("any change of value changes the fingerprint") {
    const json base = json::parse(R"({"items": [{"sku": "MUG-01", "qty": 2}], "note": "x"})");
    const std::string fp = request_fingerprint(base);
    for (const char* other : {R"({"items": [{"sku": "MUG-01", "qty": 3}], "note": "x"})",
                              R"({"items": [{"sku": "MUG-02", "qty": 2}], "note": "x"})",
                              R"({"items": [{"sku": "MUG-01", "qty": 2}], "note": "y"})",
                              R"({"items": [{"sku": "MUG-01", "qty": 2}]})",
                              R"({"items": [{"sku": "MUG-01", "qty": 2}, {"sku": "MUG-01", "qty": 2}], "note": "x"})",
                              R"({"items": [{"sku": "MUG-01", "qty": "2"}], "note": "x"})"}) {
      CAPTURE(std::string(other));
      CHECK(request_fingerprint(json::parse(other)) != fp);
    }
  }

  TEST_CASE("a key can be claimed by one request at a time") {
    InFlightKeys keys;
    auto first = keys.try_claim("k1");
    CHECK(static_cast<bool>(first));
    CHECK_FALSE(static_cast<bool>(keys.try_claim("k1")));
    CHECK(static_cast<bool>(keys.try_claim("k2")));  // other keys are independent
  }

  TEST_CASE("a key is free again once its claim ends, also after a move") {
    InFlightKeys keys;
    {
      auto claim = keys.try_claim("k1");
      REQUIRE(static_cast<bool>(claim));
      InFlightKeys::Claim moved(std::move(claim));
      CHECK(static_cast<bool>(moved));
      CHECK_FALSE(static_cast<bool>(claim));  // NOLINT: moved-from is empty by contract
      CHECK_FALSE(static_cast<bool>(keys.try_claim("k1")));
    }
    CHECK(static_cast<bool>(keys.try_claim("k1")));
  }

  TEST_CASE("an empty claim releases nothing") {
    InFlightKeys keys;
    auto held = keys.try_claim("k1");
    { auto refused = keys.try_claim("k1"); }  // refused claim goes out of scope
    CHECK_FALSE(static_cast<bool>(keys.try_claim("k1")));
  }

  TEST_CASE("of many threads racing for one key, exactly one wins each round") {
    InFlightKeys keys;
    constexpr int kThreads = 8;
    for (int round = 0; round < 200; ++round) {
      const std::string key = "race-" + std::to_string(round);
      std::atomic<int> winners{0}, tried{0};
      std::atomic<bool> go{false};
      std::vector<std::thread> threads;
      for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
          while (!go.load()) std::this_thread::yield();
          const auto claim = keys.try_claim(key);
          if (claim) ++winners;
          ++tried;
          // Hold the claim until every thread has tried, so a late thread
          // cannot win after an early winner let go.
          while (tried.load() < kThreads) std::this_thread::yield();
        });
      }
      go = true;
      for (auto& th : threads) th.join();
      REQUIRE(winners.load() == 1);
      CHECK(static_cast<bool>(keys.try_claim(key)));  // and it is free again afterwards
    }
  }
}
