#include <doctest/doctest.h>

#include "core/job_kind.h"
#include "outbox/rescuer.h"
#include "tests/store/temp_store.h"

using namespace shopd;
using shopd::testing::at;
using shopd::testing::TempStore;

TEST_SUITE("rescuer") {
  TEST_CASE("a job whose lease expired goes back to the queue, its attempt given back") {
    TempStore t;
    const auto id = t.order();
    t.claim(at(0), 10, "gone-worker", 30);
    CHECK(rescue_abandoned(t.store(), "me", at(29), /*at_startup=*/false) == 0);  // lease still holds
    CHECK(rescue_abandoned(t.store(), "me", at(31), /*at_startup=*/false) == 1);
    const auto job = t.job(id, kind::kPaymentCharge);
    CHECK(job.state == "retrying");
    CHECK(job.attempts == 0);
    CHECK(t.attempts(job.id).at(0).outcome == "interrupted");
  }

  TEST_CASE("at startup every job another process left running is rescued at once, never killed") {
    TempStore t;
    const auto id = t.order("MUG-01", 1, at(0), /*payment_max_attempts=*/1);
    t.claim(at(0), 10, "previous-process", 600);  // its only allowed attempt
    CHECK(rescue_abandoned(t.store(), "me", at(1), /*at_startup=*/true) == 1);
    const auto job = t.job(id, kind::kPaymentCharge);
    CHECK(job.state == "retrying");  // not dead: nobody knows whether the charge happened
    CHECK(t.claim(at(1), 10, "me").size() == 1);
  }

  TEST_CASE("this process's own running jobs are left alone while their lease holds") {
    TempStore t;
    t.order();
    t.claim(at(0), 10, "me", 60);
    CHECK(rescue_abandoned(t.store(), "me", at(1), /*at_startup=*/true) == 0);
    CHECK(rescue_abandoned(t.store(), "me", at(30), /*at_startup=*/false) == 0);
  }
}
