#include <doctest/doctest.h>

#include <set>

#include "core/job_kind.h"
#include "store/alert_store.h"
#include "store/outbox_store.h"
#include "tests/store/temp_store.h"

using namespace shopd;
using shopd::testing::at;
using shopd::testing::TempStore;

namespace {

constexpr std::chrono::milliseconds kWindow{60'000};

// An alert.team job for a (fake) dead payment of a new order, recorded in alerts.
std::string raise(TempStore& t, TimePoint when, bool webhook = true, bool email = true) {
  const auto order_id = t.order("MUG-01", 1, when);
  const auto dead = t.job(order_id, kind::kPaymentCharge).id;
  const std::string alert_id = "alert-" + order_id;
  t.write([&](store::Tx& tx) {
    store::enqueue(tx, store::NewJob{order_id, kind::kAlertTeam, 3, when, "{}", alert_id, alert_id}, when);
    store::record_alert(tx, store::NewAlert{alert_id, dead, order_id, "payment.charge", "payment.charge dead", webhook, email},
                        when);
  });
  return alert_id;
}

store::AlertTiming mode(TempStore& t, const std::string& id, TimePoint now) {
  return t.write([&](store::Tx& tx) { return store::choose_alert_mode(tx, id, now, kWindow); });
}

store::AlertRow row(TempStore& t, const std::string& id) {
  return *t.read([&](store::Connection& db) { return store::find_alert(db, id); });
}

}  // namespace

TEST_SUITE("alert_store") {
  TEST_CASE("a configured channel starts pending, a missing one is none") {
    TempStore t;
    const auto a = raise(t, at(0), /*webhook=*/false, /*email=*/true);
    CHECK(row(t, a).webhook == "none");
    CHECK(row(t, a).email == "pending");
  }

  TEST_CASE("in a storm the first alert goes out alone and the rest wait for one digest") {
    TempStore t;
    const auto first = raise(t, at(0));
    const auto second = raise(t, at(1));
    const auto third = raise(t, at(2));
    CHECK(mode(t, first, at(0)).alone);
    const auto held = mode(t, second, at(1));
    CHECK_FALSE(held.alone);
    CHECK(held.window_end == at(60));
    CHECK_FALSE(mode(t, third, at(2)).alone);
    // The decision sticks when the job runs again.
    CHECK_FALSE(mode(t, second, at(60)).alone);

    const auto batch = t.write([&](store::Tx& tx) { return store::claim_digest(tx, second, at(60), 50); });
    REQUIRE(batch.size() == 2);
    CHECK(row(t, third).batch_id == second);
    // The third's own job finds itself in the second's digest.
    CHECK(t.write([&](store::Tx& tx) { return store::claim_digest(tx, third, at(61), 50); }).empty());

    t.write([&](store::Tx& tx) { store::mark_alert_sent(tx, second, store::AlertChannel::Webhook, at(61)); });
    CHECK(row(t, second).webhook == "sent");
    CHECK(row(t, third).webhook == "sent");
    CHECK(row(t, third).email == "pending");

    // After a quiet window the next alert goes out alone again.
    const auto later = raise(t, at(200));
    CHECK(mode(t, later, at(200)).alone);
  }

  TEST_CASE("a digest holds at most its limit, its sender's own alert first; the rest wait for the next") {
    TempStore t;
    CHECK(mode(t, raise(t, at(0)), at(0)).alone);
    std::vector<std::string> held;
    for (int i = 1; i <= 5; ++i) {
      held.push_back(raise(t, at(i)));
      CHECK_FALSE(mode(t, held.back(), at(i)).alone);
    }
    // The newest held alert's job runs first: it sends itself and the two oldest.
    const auto first = t.write([&](store::Tx& tx) { return store::claim_digest(tx, held[4], at(60), 3); });
    std::set<std::string> first_ids;
    for (const auto& a : first) first_ids.insert(a.job_id);
    CHECK(first_ids == std::set<std::string>{held[0], held[1], held[4]});
    CHECK(row(t, held[2]).batch_id.empty());
    // Its retry sends the same digest, even though more alerts are held now.
    const auto newer = raise(t, at(61));
    CHECK_FALSE(mode(t, newer, at(61)).alone);
    CHECK(t.write([&](store::Tx& tx) { return store::claim_digest(tx, held[4], at(62), 3); }).size() == 3);
    // The next window's digest takes the rest.
    CHECK(mode(t, held[2], at(120)).window_end == at(120));
    const auto second = t.write([&](store::Tx& tx) { return store::claim_digest(tx, held[2], at(120), 3); });
    CHECK(second.size() == 3);
    CHECK(row(t, held[3]).batch_id == held[2]);
    CHECK(row(t, newer).batch_id == held[2]);
  }

  TEST_CASE("a job whose alert is in another's digest claims nothing") {
    TempStore t;
    CHECK(mode(t, raise(t, at(0)), at(0)).alone);
    const auto a = raise(t, at(1));
    const auto b = raise(t, at(2));
    CHECK_FALSE(mode(t, a, at(1)).alone);
    CHECK_FALSE(mode(t, b, at(2)).alone);
    CHECK(t.write([&](store::Tx& tx) { return store::claim_digest(tx, a, at(60), 1); }).size() == 1);
    const auto c = raise(t, at(61));
    CHECK_FALSE(mode(t, c, at(61)).alone);
    CHECK(t.write([&](store::Tx& tx) { return store::claim_digest(tx, b, at(62), 50); }).size() == 2);
    // a is in its own batch; a stale run of c's job after b took it claims nothing more.
    CHECK(t.write([&](store::Tx& tx) { return store::claim_digest(tx, c, at(63), 50); }).empty());
    CHECK(row(t, c).batch_id == b);
  }

  TEST_CASE("an alert whose channels all failed is undelivered until its job is discarded") {
    TempStore t;
    const auto a = raise(t, at(0));
    CHECK(mode(t, a, at(0)).alone);
    t.write([&](store::Tx& tx) { store::mark_alert_failed(tx, a, store::AlertChannel::Webhook, at(1)); });
    CHECK(t.read([](store::Connection& db) { return store::undelivered_alerts(db); }).empty());  // email pending
    const bool told = t.write([&](store::Tx& tx) { return store::fail_pending_channels(tx, a, at(2)); });
    CHECK_FALSE(told);
    CHECK(row(t, a).email == "failed");
    CHECK(t.read([](store::Connection& db) { return store::undelivered_alerts(db); }).size() == 1);
    CHECK(t.read([](store::Connection& db) { return store::count_undelivered_alerts_ever(db); }) == 1);
  }

  TEST_CASE("an alert one channel delivered is not undelivered when the other fails") {
    TempStore t;
    const auto a = raise(t, at(0));
    t.write([&](store::Tx& tx) { store::mark_alert_sent(tx, a, store::AlertChannel::Webhook, at(1)); });
    CHECK(t.write([&](store::Tx& tx) { return store::fail_pending_channels(tx, a, at(2)); }));
    CHECK(t.read([](store::Connection& db) { return store::undelivered_alerts(db); }).empty());
  }
}
