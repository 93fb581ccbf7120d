// Stored Idempotency-Key answers (src/store/idempotency_store.cpp): found
// for 24 hours, replaced once expired, pruned by age.
#include <doctest/doctest.h>

#include <string>

#include "store/idempotency_store.h"
#include "tests/store/temp_store.h"

using namespace shopd;
using shopd::testing::at;
using shopd::testing::t0;
using shopd::testing::TempStore;

namespace {

const auto kDay = std::chrono::duration_cast<Millis>(store::kIdempotencyKeyLifetime);

void remember(TempStore& t, const std::string& key, const store::StoredResponse& r, TimePoint now) {
  t.write([&](store::Tx& tx) { store::remember_idempotency_key(tx, key, r, now); });
}

std::optional<store::StoredResponse> find(TempStore& t, const std::string& key, TimePoint now) {
  return t.read([&](store::Connection& db) { return store::find_idempotency_key(db, key, now - kDay); });
}

int64_t keys_stored(TempStore& t) {
  return t.read([](store::Connection& db) {
    auto q = db.query("SELECT count(*) FROM idempotency_keys");
    q.step();
    return q.int64(0);
  });
}

}  // namespace

TEST_SUITE("idempotency_store") {
  TEST_CASE("a remembered answer is found with its hash, status, body and order") {
    TempStore t;
    const auto order_id = t.order();
    remember(t, "key-1", {"hash-a", 202, R"({"id":"x"})", order_id}, t0());
    const auto found = find(t, "key-1", at(60));
    REQUIRE(found);
    CHECK(found->request_hash == "hash-a");
    CHECK(found->status_code == 202);
    CHECK(found->body == R"({"id":"x"})");
    CHECK(found->order_id == order_id);
    CHECK_FALSE(find(t, "key-2", at(60)).has_value());
  }

  TEST_CASE("keys are compared exactly") {
    TempStore t;
    remember(t, "Key-1", {"h", 202, "{}", ""}, t0());
    CHECK_FALSE(find(t, "key-1", t0()).has_value());
    CHECK_FALSE(find(t, "Key-1 ", t0()).has_value());
    CHECK(find(t, "Key-1", t0()).has_value());
  }

  TEST_CASE("a key lives 24 hours") {
    TempStore t;
    remember(t, "key-1", {"h", 202, "{}", ""}, t0());
    CHECK(find(t, "key-1", t0() + kDay).has_value());
    CHECK_FALSE(find(t, "key-1", t0() + kDay + Millis(1)).has_value());
  }

  TEST_CASE("an expired key can be used again for a new answer") {
    TempStore t;
    remember(t, "key-1", {"old", 202, "{\"n\":1}", ""}, t0());
    const TimePoint later = t0() + kDay + Millis(1000);
    remember(t, "key-1", {"new", 202, "{\"n\":2}", ""}, later);
    const auto found = find(t, "key-1", later);
    REQUIRE(found);
    CHECK(found->request_hash == "new");
    CHECK(found->body == "{\"n\":2}");
    CHECK(keys_stored(t) == 1);
  }

  TEST_CASE("pruning removes only keys older than the cut-off, at most `limit` at a time") {
    TempStore t;
    for (int i = 0; i < 5; ++i) remember(t, "old-" + std::to_string(i), {"h", 202, "{}", ""}, at(i));
    remember(t, "fresh", {"h", 202, "{}", ""}, at(100));
    CHECK(t.write([](store::Tx& tx) { return store::prune_idempotency_keys(tx, at(50), 3); }) == 3);
    CHECK(t.write([](store::Tx& tx) { return store::prune_idempotency_keys(tx, at(50), 3); }) == 2);
    CHECK(t.write([](store::Tx& tx) { return store::prune_idempotency_keys(tx, at(50), 3); }) == 0);
    CHECK(keys_stored(t) == 1);
    CHECK(find(t, "fresh", at(100)).has_value());
  }
}
