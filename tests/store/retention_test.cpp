// Retention (src/store/outbox_store.cpp prune_done_jobs,
// src/store/idempotency_store.cpp prune_idempotency_keys): only old rows go,
// a few at a time, so the worker can prune in short transactions.
#include <doctest/doctest.h>

#include <chrono>
#include <set>

#include "store/idempotency_store.h"
#include "store/order_store.h"
#include "store/outbox_store.h"
#include "tests/store/temp_store.h"

namespace shopd {

using testing::at;
using testing::t0;
using testing::TempStore;

namespace {

constexpr auto kDay = std::chrono::hours(24);

// An order whose payment job ended (done, or dead when `error` is given) at
// `finished`, with its attempt recorded, and the order then set to `status`.
std::string order_with_payment(TempStore& t, TimePoint finished, std::string_view status_name,
                               const JobError* error = nullptr) {
  const auto id = t.order("MUG-01", 1, finished);
  // A failed first attempt, so that the job has attempt rows to prune.
  const auto first = t.claim(finished, 1);
  REQUIRE(first.size() == 1);
  REQUIRE(first[0].order_id == id);
  const auto busy = JobError::transient("http_503", "busy");
  t.write([&](store::Tx& tx) { store::mark_retrying(tx, first[0], store::AttemptEnd{finished, 1, &busy}, finished); });
  const auto claimed = t.claim(finished, 1);
  REQUIRE(claimed.size() == 1);
  t.write([&](store::Tx& tx) {
    const store::AttemptEnd end{finished, 12, error};
    REQUIRE((error ? store::mark_dead(tx, claimed[0], end) : store::mark_done(tx, claimed[0], end)));
    store::set_order_status(tx, id, *parse_order_status(status_name), finished);
  });
  return id;
}

int64_t count(TempStore& t, const char* sql) {
  return t.read([&](store::Connection& db) {
    auto q = db.query(sql);
    q.step();
    return q.int64(0);
  });
}

int prune_jobs(TempStore& t, TimePoint before, int limit) {
  return t.write([&](store::Tx& tx) { return store::prune_done_jobs(tx, before, limit); });
}

int prune_keys(TempStore& t, TimePoint before, int limit) {
  return t.write([&](store::Tx& tx) { return store::prune_idempotency_keys(tx, before, limit); });
}

void remember_key(TempStore& t, const std::string& key, TimePoint created) {
  t.write([&](store::Tx& tx) {
    store::remember_idempotency_key(tx, key, store::StoredResponse{"hash-" + key, 202, "{}", ""}, created);
  });
}

bool key_stored(TempStore& t, const std::string& key) {
  // not_before far in the past: is the row there at all, expired or not?
  return t.read([&](store::Connection& db) {
    return store::find_idempotency_key(db, key, t0() - 3650 * kDay).has_value();
  });
}

}  // namespace

TEST_SUITE("retention") {
  TEST_CASE("done jobs of completed orders older than the cutoff are deleted with their attempts, in batches") {
    TempStore t;
    std::vector<std::string> old_orders;
    for (int i = 0; i < 5; ++i) old_orders.push_back(order_with_payment(t, at(i), "completed"));
    const auto cutoff = t0() + 30 * kDay;
    const auto recent = order_with_payment(t, cutoff + Millis(1), "completed");
    REQUIRE(count(t, "SELECT count(*) FROM outbox") == 6);
    REQUIRE(count(t, "SELECT count(*) FROM job_attempts") == 12);

    CHECK(prune_jobs(t, cutoff, 2) == 2);
    CHECK(count(t, "SELECT count(*) FROM outbox") == 4);
    CHECK(prune_jobs(t, cutoff, 2) == 2);
    CHECK(prune_jobs(t, cutoff, 2) == 1);
    CHECK(prune_jobs(t, cutoff, 2) == 0);

    for (const auto& id : old_orders) CHECK(t.jobs(id).empty());
    REQUIRE(t.jobs(recent).size() == 1);
    CHECK(t.jobs(recent)[0].state == "done");
    // The attempts went with their jobs; the recent job keeps its own.
    CHECK(count(t, "SELECT count(*) FROM job_attempts") == 2);
    CHECK(t.attempts(t.jobs(recent)[0].id).size() == 2);
    // Orders themselves are records and stay.
    CHECK(count(t, "SELECT count(*) FROM orders") == 6);
    for (const auto& id : old_orders) CHECK(t.load(id).has_value());
  }

  TEST_CASE("a job updated exactly at the cutoff is kept") {
    TempStore t;
    const auto cutoff = t0() + 30 * kDay;
    const auto id = order_with_payment(t, cutoff, "completed");
    CHECK(prune_jobs(t, cutoff, 10) == 0);
    CHECK(t.jobs(id).size() == 1);
  }

  TEST_CASE("old done jobs of orders still in progress, and old dead jobs, are kept") {
    TempStore t;
    const auto cutoff = t0() + 30 * kDay;
    // Paid long ago, still waiting for its invoice: its done payment is what makes it "paid".
    const auto in_progress = order_with_payment(t, at(0), "paid");
    const auto declined_error = JobError::permanent("card_declined", "Your card was declined.");
    const auto dead = order_with_payment(t, at(1), "payment_failed", &declined_error);
    const auto needs_attention = order_with_payment(t, at(2), "needs_attention");

    CHECK(prune_jobs(t, cutoff, 10) == 0);
    CHECK(t.jobs(in_progress).size() == 1);
    REQUIRE(t.jobs(dead).size() == 1);
    CHECK(t.jobs(dead)[0].state == "dead");
    CHECK(t.attempts(t.jobs(dead)[0].id).size() == 2);  // the failure record an owner needs
    CHECK(t.jobs(needs_attention).size() == 1);
  }

  TEST_CASE("idempotency keys older than the cutoff are deleted in batches, newer ones kept") {
    TempStore t;
    const auto now = t0() + 2 * kDay;
    const auto cutoff = now - store::kIdempotencyKeyLifetime;
    std::set<std::string> old_keys, fresh_keys;
    for (int i = 0; i < 5; ++i) {
      old_keys.insert("old-" + std::to_string(i));
      remember_key(t, "old-" + std::to_string(i), cutoff - Millis(1 + i));
    }
    for (int i = 0; i < 2; ++i) {
      fresh_keys.insert("fresh-" + std::to_string(i));
      remember_key(t, "fresh-" + std::to_string(i), cutoff + std::chrono::hours(i));  // the first exactly at it
    }

    CHECK(prune_keys(t, cutoff, 2) == 2);
    CHECK(count(t, "SELECT count(*) FROM idempotency_keys") == 5);
    CHECK(prune_keys(t, cutoff, 2) == 2);
    CHECK(prune_keys(t, cutoff, 2) == 1);
    CHECK(prune_keys(t, cutoff, 2) == 0);

    for (const auto& k : old_keys) CHECK_FALSE(key_stored(t, k));
    for (const auto& k : fresh_keys) CHECK(key_stored(t, k));
  }
}

}  // namespace shopd
