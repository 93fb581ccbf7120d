#include <doctest/doctest.h>

#include "core/job_kind.h"
#include "outbox/pruner.h"
#include "store/idempotency_store.h"
#include "tests/store/temp_store.h"

using namespace shopd;
using shopd::testing::at;
using shopd::testing::t0;
using shopd::testing::TempStore;

namespace {

// An order in `status` whose only job (the payment) finished at `when`.
std::string order_done(TempStore& t, TimePoint when, OrderStatus status = OrderStatus::Completed) {
  const auto id = t.order("MUG-01", 1, when);
  const auto job = t.claim(when, 1).at(0);
  t.write([&](store::Tx& tx) {
    store::mark_done(tx, job, store::AttemptEnd{when, 1, nullptr});
    store::set_order_status(tx, id, status, when);
  });
  return id;
}

std::string completed_order(TempStore& t, TimePoint when) { return order_done(t, when); }

}  // namespace

TEST_SUITE("pruner") {
  TEST_CASE("old done jobs and expired idempotency keys go, in as many small batches as it takes") {
    TempStore t;
    for (int i = 0; i < 7; ++i) completed_order(t, at(i));
    t.write([&](store::Tx& tx) {
      for (int i = 0; i < 5; ++i)
        store::remember_idempotency_key(tx, "key-" + std::to_string(i),
                                        store::StoredResponse{"hash", 202, "{}", ""}, at(i));
    });
    Config::Retention retention;
    retention.done_job_days = 30;
    const auto now = t0() + std::chrono::hours(24) * 31;
    const auto pruned = prune_old_rows(t.store(), retention, now, /*batch=*/3);
    CHECK(pruned.jobs == 7);
    CHECK(pruned.idempotency_keys == 5);
    CHECK(prune_old_rows(t.store(), retention, now, 3).jobs == 0);
  }

  TEST_CASE("recent rows stay") {
    TempStore t;
    const auto id = completed_order(t, at(0));
    Config::Retention retention;
    retention.done_job_days = 30;
    CHECK(prune_old_rows(t.store(), retention, at(3600), 3).jobs == 0);
    CHECK(t.jobs(id).size() == 1);
  }

  TEST_CASE("the done jobs of cancelled and refunded orders go too; those of orders still under way stay") {
    TempStore t;
    const auto cancelled = order_done(t, at(0), OrderStatus::Cancelled);
    const auto refunded = order_done(t, at(1), OrderStatus::Refunded);
    const auto paid = order_done(t, at(2), OrderStatus::Paid);
    Config::Retention retention;
    retention.done_job_days = 30;
    CHECK(prune_old_rows(t.store(), retention, t0() + std::chrono::hours(24) * 31, 10).jobs == 2);
    CHECK(t.jobs(cancelled).empty());
    CHECK(t.jobs(refunded).empty());
    CHECK(t.jobs(paid).size() == 1);
  }
}
