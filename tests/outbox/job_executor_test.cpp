// The executor with fake handlers and a fixed clock: one attempt in, one
// decision recorded in one write.
#include <doctest/doctest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "core/job_kind.h"
#include "outbox/job_executor.h"
#include "store/alert_store.h"
#include "tests/store/temp_store.h"

using namespace shopd;
using shopd::testing::at;
using shopd::testing::TempStore;

namespace {

class FixedClock final : public Clock {
 public:
  explicit FixedClock(TimePoint t) : t_(t) {}
  TimePoint now() const override { return t_; }
  void set(TimePoint t) { t_ = t; }

 private:
  TimePoint t_;
};

JobResult succeeds(const JobContext&) { return JobResult::success(); }
JobResult answers_503(const JobContext&) {
  return JobResult::failure(JobError::transient("http_503", "Service Unavailable").with_status(503));
}
JobResult cannot_connect(const JobContext&) {
  return JobResult::failure(JobError::unreachable("connect_failed", "Connection refused"));
}
JobResult declines(const JobContext&) {
  return JobResult::failure(JobError::permanent("card_declined", "Your card was declined.").with_status(402));
}
JobResult throws(const JobContext&) { throw std::runtime_error("disk I/O error"); }
JobResult defers(const JobContext&) { return JobResult::deferred(at(90)); }
JobResult database_unavailable(const JobContext&) { throw store::StorageUnavailable("database or disk is full"); }

// Which fakes run payment.charge and alert.team in the current test.
JobHandler g_payment = succeeds;
JobHandler g_alert = succeeds;
JobHandler fake_handlers(std::string_view kind) {
  if (kind == kind::kPaymentCharge) return g_payment;
  if (kind == kind::kAlertTeam) return g_alert;
  return succeeds;
}

struct Harness {
  TempStore t;
  Config config;
  Providers providers;
  Metrics metrics;
  FixedClock clock{at(2)};
  Cancel cancel;
  JobExecutor executor{config, t.store(), providers, metrics, clock, cancel, fake_handlers};
  std::mt19937_64 rng{7};

  Harness() { config.retry.defaults = RetryPolicy{3, 0.05, 0.2}; }

  // Claims the order's payment and runs it with `handler`.
  std::optional<Decision> run_payment(const std::string& order_id, JobHandler handler,
                                      const JobExecutor::AlsoInTransaction& also = {}) {
    g_payment = handler;
    for (auto& job : t.claim(at(1), 100))
      if (job.order_id == order_id && job.kind == kind::kPaymentCharge) return executor.execute(job, rng, also).decision;
    throw std::runtime_error("no payment to claim");
  }
};

}  // namespace

TEST_SUITE("job_executor") {
  TEST_CASE("a success marks the job done, enqueues its successors and runs the caller's work in the same write") {
    Harness h;
    const auto id = h.t.order();
    bool also_ran = false;
    const auto d = h.run_payment(id, succeeds, [&](store::Tx& tx) {
      also_ran = true;
      // The successors are visible inside the same transaction.
      CHECK(store::jobs_for_order(tx.db, id).size() == 3);
    });
    REQUIRE(d.has_value());
    CHECK(std::holds_alternative<decision::Done>(*d));
    CHECK(also_ran);
    CHECK(h.t.job(id, kind::kPaymentCharge).state == "done");
    CHECK(h.t.job(id, kind::kInvoiceGenerate).state == "pending");
    CHECK(h.t.load(id)->status == "paid");
  }

  TEST_CASE("an answered transient error is retried later and counts as an attempt") {
    Harness h;
    const auto id = h.t.order();
    const auto d = h.run_payment(id, answers_503);
    REQUIRE(d.has_value());
    CHECK(std::holds_alternative<decision::RetryAt>(*d));
    const auto job = h.t.job(id, kind::kPaymentCharge);
    CHECK(job.state == "retrying");
    CHECK(job.attempts == 1);
    CHECK(h.t.attempts(job.id).at(0).provider_status == 503);
  }

  TEST_CASE("an unreachable provider is retried and the attempt is given back") {
    Harness h;
    const auto id = h.t.order();
    const auto d = h.run_payment(id, cannot_connect);
    REQUIRE(d.has_value());
    CHECK(std::holds_alternative<decision::RetryAt>(*d));
    const auto job = h.t.job(id, kind::kPaymentCharge);
    CHECK(job.attempts == 0);
    CHECK(job.unreachable_attempts == 1);
  }

  TEST_CASE("a permanent error goes to the failure hook") {
    Harness h;
    const auto id = h.t.order();
    const auto d = h.run_payment(id, declines);
    REQUIRE(d.has_value());
    CHECK(std::holds_alternative<decision::Dead>(*d));
    CHECK(h.t.load(id)->status == "payment_failed");
  }

  TEST_CASE("a handler that throws is retried like a transient error, never crashes the worker") {
    Harness h;
    const auto id = h.t.order();
    const auto d = h.run_payment(id, throws);
    REQUIRE(d.has_value());
    CHECK(std::holds_alternative<decision::RetryAt>(*d));
    const auto job = h.t.job(id, kind::kPaymentCharge);
    CHECK(job.last_error == "internal_error: disk I/O error");
  }

  TEST_CASE("a handler the database fails gives its attempt back, records nothing, and the job stays ours") {
    Harness h;
    const auto id = h.t.order();
    g_payment = database_unavailable;
    const auto job = h.t.claim(at(1), 100).at(0);
    const auto execution = h.executor.execute(job, h.rng);
    CHECK(execution.recorded == JobExecutor::Recorded::StorageUnavailable);
    const auto now = h.t.job(id, kind::kPaymentCharge);
    CHECK(now.state == "running");
    CHECK(now.lease_token == job.lease_token);  // the worker puts it back with this lease
    CHECK(h.t.attempts(job.id).empty());
  }

  TEST_CASE("a provider unreachable past alerts.provider_down_seconds alerts the team once, and the jobs keep retrying") {
    Harness h;
    h.config.alerts.provider_down_seconds = 60;
    h.config.alerts.email = "team@shop.test";
    g_payment = cannot_connect;
    const auto first = h.t.order(), second = h.t.order();
    for (const auto& job : h.t.claim(at(1), 100)) h.executor.execute(job, h.rng);  // the outage begins at 2 s
    h.clock.set(at(30));
    for (const auto& job : h.t.claim(at(30), 100)) h.executor.execute(job, h.rng);
    CHECK(h.t.jobs(first).size() == 1);  // 28 s: not yet
    h.clock.set(at(100));
    for (const auto& job : h.t.claim(at(100), 100)) h.executor.execute(job, h.rng);

    std::vector<store::Job> alerts;
    for (const auto& id : {first, second})
      for (const auto& job : h.t.jobs(id))
        if (job.kind == kind::kAlertTeam) alerts.push_back(job);
    REQUIRE(alerts.size() == 1);
    const auto waiting = nlohmann::json::parse(alerts[0].payload).at("dead_job_id").get<std::string>();
    const auto row = h.t.read([&](store::Connection& db) { return store::find_alert(db, alerts[0].id); });
    REQUIRE(row.has_value());
    CHECK(row->dead_job_id == waiting);
    CHECK(row->summary.find("payment.charge waiting: no answer since") == 0);
    CHECK(row->email == "pending");
    for (const auto& id : {first, second}) {
      CHECK(h.t.job(id, kind::kPaymentCharge).state == "retrying");
      CHECK(h.t.load(id)->status == "received");
    }
  }

  TEST_CASE("the alert channel unreachable past alerts.provider_down_seconds raises no alert about itself") {
    Harness h;
    h.config.alerts.provider_down_seconds = 60;
    h.config.alerts.webhook_url = "http://127.0.0.1:9/hook";
    g_alert = cannot_connect;
    const auto id = h.t.order();
    h.t.write([&](store::Tx& tx) {
      return store::enqueue(tx, store::NewJob{id, kind::kAlertTeam, 3, at(1), R"({"dead_job_id":"x"})", "", "x"}, at(1));
    });
    for (const double t : {1.0, 30.0, 100.0, 200.0}) {
      h.clock.set(at(t));
      for (const auto& job : h.t.claim(at(t), 100))
        if (job.kind == kind::kAlertTeam) h.executor.execute(job, h.rng);
    }
    g_alert = succeeds;
    int alerts = 0;
    for (const auto& job : h.t.jobs(id))
      if (job.kind == kind::kAlertTeam) {
        ++alerts;
        CHECK(job.state == "retrying");
        CHECK(job.unreachable_attempts == 4);
      }
    CHECK(alerts == 1);
  }

  TEST_CASE("a deferral runs the job later without using an attempt") {
    Harness h;
    const auto id = h.t.order();
    const auto d = h.run_payment(id, defers);
    REQUIRE(d.has_value());
    CHECK(std::holds_alternative<decision::Defer>(*d));
    const auto job = h.t.job(id, kind::kPaymentCharge);
    CHECK(job.state == "pending");
    CHECK(job.attempts == 0);
    CHECK(job.run_at == format_iso(at(90)));
  }

  TEST_CASE("after a shutdown's cancel nothing is recorded and the caller's work does not run") {
    Harness h;
    const auto id = h.t.order();
    h.cancel.request();
    bool also_ran = false;
    CHECK_FALSE(h.run_payment(id, succeeds, [&](store::Tx&) { also_ran = true; }).has_value());
    CHECK_FALSE(also_ran);
    CHECK(h.t.job(id, kind::kPaymentCharge).state == "running");  // released by the worker
  }

  TEST_CASE("a job whose lease was taken over records nothing") {
    Harness h;
    const auto id = h.t.order();
    g_payment = succeeds;
    const auto stale = h.t.claim(at(1), 100).at(0);
    REQUIRE(h.t.write([&](store::Tx& tx) { return store::requeue_abandoned(tx, stale, at(1.5)); }));
    const auto current = h.t.claim(at(1.5), 100).at(0);
    bool also_ran = false;
    const auto execution = h.executor.execute(stale, h.rng, [&](store::Tx&) { also_ran = true; });
    CHECK(execution.recorded == JobExecutor::Recorded::LeaseLost);
    CHECK_FALSE(execution.decision.has_value());
    CHECK_FALSE(also_ran);
    CHECK(h.t.job(id, kind::kPaymentCharge).lease_token == current.lease_token);
  }
}
