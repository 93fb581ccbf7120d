#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

#include "core/job_kind.h"
#include "outbox/failure_hook.h"
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

const JobError kDeclined = JobError::permanent("card_declined", "Your card was declined.").with_status(402).with_body(
    R"({"error":{"code":"card_declined","message":"Your card was declined."}})");

// Claims every due job and returns the one of `kind` for the order.
store::Job claim(TempStore& t, const std::string& order_id, std::string_view kind, TimePoint now = at(1)) {
  for (auto& j : t.claim(now, 100))
    if (j.order_id == order_id && j.kind == kind) return j;
  throw std::runtime_error("nothing to claim of kind " + std::string(kind));
}

bool kill(TempStore& t, const store::Job& job, const JobError& error, const Config& config, bool roll_back = false) {
  return t.write([&](store::Tx& tx) {
    const bool killed = kill_job(tx, job, store::AttemptEnd{at(2), 25, &error}, config);
    if (roll_back) tx.rollback();
    return killed;
  });
}

std::set<std::string> kinds_of(const std::vector<store::Job>& jobs) {
  std::set<std::string> out;
  for (const auto& j : jobs) out.insert(j.kind + "=" + std::string(to_string(j.state)));
  return out;
}

std::vector<store::Job> alerts(TempStore& t, const std::string& order_id) {
  std::vector<store::Job> out;
  for (auto& j : t.jobs(order_id))
    if (j.kind == kind::kAlertTeam) out.push_back(j);
  return out;
}

std::string dead_job_named_by(const store::Job& alert) {
  return nlohmann::json::parse(alert.payload).at("dead_job_id").get<std::string>();
}

}  // namespace

TEST_SUITE("failure_hook") {
  TEST_CASE("a dead payment fails the order, gives the stock back, tells the customer and alerts the team") {
    TempStore t;
    const auto config = test_config();
    const auto id = t.order();
    const auto payment = claim(t, id, kind::kPaymentCharge);
    REQUIRE(kill(t, payment, kDeclined, config));

    CHECK(t.job(id, kind::kPaymentCharge).state == "dead");
    CHECK(t.load(id)->status == "payment_failed");
    CHECK(kinds_of(t.jobs(id)) == std::set<std::string>{"payment.charge=dead", "inventory.release=pending",
                                                        "email.payment_failed=pending", "alert.team=pending"});
    const auto alert = alerts(t, id);
    REQUIRE(alert.size() == 1);
    CHECK(dead_job_named_by(alert[0]) == payment.id);
  }

  TEST_CASE("the dead job's last attempt keeps the whole error for the alert") {
    TempStore t;
    const auto config = test_config();
    const auto id = t.order();
    const auto payment = claim(t, id, kind::kPaymentCharge);
    REQUIRE(kill(t, payment, kDeclined, config));
    const auto attempts = t.attempts(payment.id);
    REQUIRE(attempts.size() == 1);
    CHECK(attempts[0].outcome == "permanent");
    CHECK(attempts[0].error_code == "card_declined");
    CHECK(attempts[0].error_message == "Your card was declined.");
    CHECK(attempts[0].provider_status == 402);
    CHECK(attempts[0].body_excerpt.value_or("").find("card_declined") != std::string::npos);
    CHECK(attempts[0].error_where.value_or("").find("failure_hook_test.cpp") != std::string::npos);
    CHECK(attempts[0].duration_ms == 25);
    CHECK(t.job(id, kind::kPaymentCharge).last_error == "card_declined: Your card was declined.");
  }

  TEST_CASE("everything the hook does is one transaction: rolled back, nothing happened") {
    TempStore t;
    const auto config = test_config();
    const auto id = t.order();
    const auto payment = claim(t, id, kind::kPaymentCharge);
    kill(t, payment, kDeclined, config, /*roll_back=*/true);
    CHECK(kinds_of(t.jobs(id)) == std::set<std::string>{"payment.charge=running"});
    CHECK(t.load(id)->status == "received");
    CHECK(t.attempts(payment.id).empty());
  }

  TEST_CASE("any other dead job puts the order in needs_attention and alerts the team, without customer mail") {
    TempStore t;
    const auto config = test_config();
    const auto id = t.order();
    t.write([&](store::Tx& tx) {
      store::enqueue(tx, store::NewJob{id, kind::kEmailConfirmation, 5, at(0)}, at(0));
    });
    const auto email = claim(t, id, kind::kEmailConfirmation);
    const auto failed = JobError::transient("mail_write_failed", "cannot create var/mail/x.eml");
    REQUIRE(kill(t, email, failed, config));

    CHECK(t.load(id)->status == "needs_attention");
    const auto jobs = kinds_of(t.jobs(id));
    CHECK(jobs.count("email.confirmation=dead") == 1);
    CHECK(jobs.count("alert.team=pending") == 1);
    for (const auto& j : t.jobs(id)) {
      CHECK(j.kind != kind::kInventoryRelease);
      CHECK(j.kind != kind::kEmailPaymentFailed);
    }
    const auto alert = alerts(t, id);
    REQUIRE(alert.size() == 1);
    CHECK(dead_job_named_by(alert[0]) == email.id);
  }

  TEST_CASE("each dead job gets its own alert") {
    TempStore t;
    const auto config = test_config();
    const auto id = t.order();
    const auto payment = claim(t, id, kind::kPaymentCharge);
    REQUIRE(kill(t, payment, kDeclined, config));
    const auto customer_mail = claim(t, id, kind::kEmailPaymentFailed, at(3));
    REQUIRE(kill(t, customer_mail, JobError::permanent("invalid_recipient", "bad address"), config));

    std::set<std::string> named;
    for (const auto& a : alerts(t, id)) named.insert(dead_job_named_by(a));
    CHECK(named == std::set<std::string>{payment.id, customer_mail.id});
    CHECK(t.load(id)->status == "needs_attention");
  }

  TEST_CASE("the alert gets the alert kind's retry policy") {
    TempStore t;
    auto config = test_config();
    config.retry.overrides["alert"] = RetryPolicy{12, 1, 60};
    const auto id = t.order();
    REQUIRE(kill(t, claim(t, id, kind::kPaymentCharge), kDeclined, config));
    CHECK(alerts(t, id).at(0).max_attempts == 12);
    CHECK(t.job(id, kind::kInventoryRelease).max_attempts == 5);
  }

  TEST_CASE("a dead alert.team enqueues nothing and leaves the order's status alone") {
    TempStore t;
    const auto config = test_config();
    const auto id = t.order();
    REQUIRE(kill(t, claim(t, id, kind::kPaymentCharge), kDeclined, config));
    const auto alert = claim(t, id, kind::kAlertTeam, at(3));
    const auto before = t.jobs(id).size();
    REQUIRE(kill(t, alert, JobError::transient("http_500", "webhook down").with_status(500), config));

    CHECK(t.jobs(id).size() == before);
    CHECK(alerts(t, id).size() == 1);
    CHECK(alerts(t, id)[0].state == "dead");
    CHECK(t.load(id)->status == "payment_failed");
  }

  TEST_CASE("a worker that lost its lease kills nothing") {
    TempStore t;
    const auto config = test_config();
    const auto id = t.order();
    const auto stale = claim(t, id, kind::kPaymentCharge);
    REQUIRE(t.write([&](store::Tx& tx) { return store::requeue_abandoned(tx, stale, at(1.5)); }));
    const auto current = claim(t, id, kind::kPaymentCharge, at(1.5));

    CHECK_FALSE(kill(t, stale, kDeclined, config));
    CHECK(kinds_of(t.jobs(id)) == std::set<std::string>{"payment.charge=running"});
    CHECK(t.load(id)->status == "received");
    CHECK(t.job(id, kind::kPaymentCharge).lease_token == current.lease_token);
  }

  TEST_CASE("a payment that died unreachable may have been charged: stock stays, no customer mail, needs attention") {
    TempStore t;
    const auto config = test_config();
    const auto id = t.order();
    const auto stock_before = t.stock("MUG-01");
    const auto payment = claim(t, id, kind::kPaymentCharge);
    REQUIRE(kill(t, payment, JobError::unreachable("timeout", "no answer in 30 s"), config));

    CHECK(t.load(id)->status == "needs_attention");
    CHECK(t.load(id)->stock_state == "reserved");
    CHECK(t.stock("MUG-01") == stock_before);
    CHECK(kinds_of(t.jobs(id)) == std::set<std::string>{"payment.charge=dead", "alert.team=pending"});
  }

  TEST_CASE("every alert is recorded with the channels that will carry it") {
    TempStore t;
    auto config = test_config();
    config.alerts.email = "team@shop.test";
    const auto id = t.order();
    REQUIRE(kill(t, claim(t, id, kind::kPaymentCharge), kDeclined, config));
    const auto alert_job = alerts(t, id).at(0);
    const auto row = t.read([&](store::Connection& db) { return store::find_alert(db, alert_job.id); });
    REQUIRE(row.has_value());
    CHECK(row->order_id == id);
    CHECK(row->kind == "payment.charge");
    CHECK(row->summary.find("card_declined") != std::string::npos);
    CHECK(row->webhook == "none");
    CHECK(row->email == "pending");
  }

  TEST_CASE("a dead alert.team marks its undelivered channels failed") {
    TempStore t;
    auto config = test_config();
    config.alerts.email = "team@shop.test";
    const auto id = t.order();
    REQUIRE(kill(t, claim(t, id, kind::kPaymentCharge), kDeclined, config));
    const auto alert = claim(t, id, kind::kAlertTeam, at(3));
    REQUIRE(kill(t, alert, JobError::permanent("smtp_535", "authentication failed").with_status(535), config));
    const auto row = t.read([&](store::Connection& db) { return store::find_alert(db, alert.id); });
    CHECK(row->email == "failed");
    CHECK(t.read([](store::Connection& db) { return store::undelivered_alerts(db); }).size() == 1);
  }
}
