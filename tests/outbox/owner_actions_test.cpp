#include <doctest/doctest.h>

#include "core/job_kind.h"
#include "outbox/failure_hook.h"
#include "outbox/owner_actions.h"
#include "store/alert_store.h"
#include "tests/store/temp_store.h"

using namespace shopd;
using shopd::testing::at;
using shopd::testing::TempStore;

namespace {

Config test_config() {
  Config c;
  c.retry.defaults = RetryPolicy{5, 0.05, 0.2};
  return c;
}

// An order whose payment was declined (dead); returns the order id.
std::string declined_order(TempStore& t, const Config& config, const std::string& sku = "MUG-01", int qty = 2) {
  const auto id = t.order(sku, qty);
  for (auto& j : t.claim(at(1), 100)) {
    if (j.order_id != id) continue;
    const auto declined = JobError::permanent("card_declined", "declined").with_status(402);
    REQUIRE(t.write([&](store::Tx& tx) { return kill_job(tx, j, store::AttemptEnd{at(2), 1, &declined}, config); }));
  }
  return id;
}

std::optional<OwnerActionError> retry(TempStore& t, const std::string& job_id, const Config& config) {
  return t.write([&](store::Tx& tx) { return retry_dead_job(tx, job_id, config, at(5)); });
}

}  // namespace

TEST_SUITE("owner_actions") {
  TEST_CASE("a retried dead payment takes its stock back and runs again with fresh attempts") {
    TempStore t;
    const auto config = test_config();
    const auto id = declined_order(t, config);
    const auto payment = t.job(id, kind::kPaymentCharge);
    REQUIRE_FALSE(retry(t, payment.id, config).has_value());
    CHECK(t.job(id, kind::kPaymentCharge).state == "pending");
    CHECK(t.job(id, kind::kPaymentCharge).attempts == 0);
    CHECK(t.load(id)->status == "received");
  }

  TEST_CASE("only dead jobs can be retried or discarded") {
    TempStore t;
    const auto config = test_config();
    const auto id = t.order();
    const auto payment = t.job(id, kind::kPaymentCharge);
    CHECK(retry(t, payment.id, config)->kind == OwnerActionError::Kind::NotDead);
    CHECK(retry(t, "no-such-job", config)->kind == OwnerActionError::Kind::NotFound);
    CHECK(t.write([&](store::Tx& tx) { return discard_dead_job(tx, payment.id, at(5)); })->kind ==
          OwnerActionError::Kind::NotDead);
  }

  TEST_CASE("a discarded payment stays failed: the order's status does not change") {
    TempStore t;
    const auto config = test_config();
    const auto id = declined_order(t, config);
    const auto payment = t.job(id, kind::kPaymentCharge);
    REQUIRE_FALSE(t.write([&](store::Tx& tx) { return discard_dead_job(tx, payment.id, at(5)); }).has_value());
    CHECK(t.job(id, kind::kPaymentCharge).state == "discarded");
    CHECK(t.load(id)->status == "payment_failed");
  }

  TEST_CASE("bulk actions take every dead job, or only those of one kind") {
    TempStore t;
    const auto config = test_config();
    declined_order(t, config);
    declined_order(t, config);
    auto outcome = t.write([&](store::Tx& tx) {
      return act_on_dead_jobs(tx, BulkAction::Discard, std::string(kind::kEmailConfirmation), config, at(5));
    });
    CHECK(outcome.affected == 0);
    outcome = t.write([&](store::Tx& tx) {
      return act_on_dead_jobs(tx, BulkAction::Retry, std::string(kind::kPaymentCharge), config, at(5));
    });
    CHECK(outcome.affected == 2);
    CHECK(outcome.out_of_stock == 0);
  }

  TEST_CASE("a retried dead alert sends again through the channel that failed, not the one that delivered") {
    TempStore t;
    auto config = test_config();
    config.alerts.webhook_url = "https://chat.example/hook";
    config.alerts.email = "team@shop.example";
    const auto id = declined_order(t, config);
    const auto alert = t.job(id, kind::kAlertTeam);
    for (auto& j : t.claim(at(3), 100)) {
      if (j.id != alert.id) continue;
      t.write([&](store::Tx& tx) { store::mark_alert_sent(tx, j.id, store::AlertChannel::Webhook, at(3)); });
      const auto relay = JobError::permanent("smtp_535", "the relay rejected the login").with_status(535);
      REQUIRE(t.write([&](store::Tx& tx) { return kill_job(tx, j, store::AttemptEnd{at(4), 1, &relay}, config); }));
    }
    const auto before = *t.read([&](store::Connection& db) { return store::find_alert(db, alert.id); });
    REQUIRE(before.email == "failed");

    REQUIRE_FALSE(retry(t, alert.id, config).has_value());
    const auto after = *t.read([&](store::Connection& db) { return store::find_alert(db, alert.id); });
    CHECK(after.webhook == "sent");
    CHECK(after.email == "pending");
    CHECK(t.job(id, kind::kAlertTeam).state == "pending");
  }

  TEST_CASE("a dead payment whose stock is gone stays dead and says why") {
    TempStore t;
    const auto config = test_config();
    const auto id = declined_order(t, config, "TEE-01", 10);  // all ten T-shirts
    // The release ran: the stock is back, and someone buys it all.
    for (auto& j : t.claim(at(3), 100))
      if (j.kind == kind::kInventoryRelease)
        t.write([&](store::Tx& tx) { store::release_stock(tx, j.order_id, at(3)); });
    t.order("TEE-01", 10);
    const auto payment = t.job(id, kind::kPaymentCharge);
    const auto refused = retry(t, payment.id, config);
    REQUIRE(refused.has_value());
    CHECK(refused->kind == OwnerActionError::Kind::OutOfStock);
    CHECK(t.job(id, kind::kPaymentCharge).state == "dead");
    CHECK(t.job(id, kind::kPaymentCharge).last_error.rfind("out_of_stock", 0) == 0);
  }
}
