#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/job_kind.h"
#include "store/outbox_store.h"
#include "tests/store/temp_store.h"

using namespace shopd;
using shopd::testing::at;
using shopd::testing::t0;
using shopd::testing::TempStore;

namespace {

bool enqueue(TempStore& t, const std::string& order_id, std::string_view kind, TimePoint run_at = t0(),
             std::string payload = "{}", std::string key = "") {
  return t.write([&](store::Tx& tx) {
    return store::enqueue(tx, store::NewJob{order_id, kind, 3, run_at, payload, "", key}, run_at);
  });
}

std::vector<std::string> ids(const std::vector<store::Job>& jobs) {
  std::vector<std::string> out;
  for (const auto& j : jobs) out.push_back(j.id);
  return out;
}

store::Job reload(TempStore& t, const store::Job& job) {
  return *t.read([&](store::Connection& db) { return store::find_job(db, job.id); });
}

const store::AttemptEnd kOk{at(2), 40, nullptr};

}  // namespace

TEST_SUITE("outbox_store") {
  TEST_CASE("an order has at most one job of each kind and key") {
    TempStore t;
    const auto id = t.order();  // intake enqueued its payment.charge
    CHECK_FALSE(enqueue(t, id, kind::kPaymentCharge));
    CHECK(enqueue(t, id, kind::kInvoiceGenerate));
    CHECK_FALSE(enqueue(t, id, kind::kInvoiceGenerate));
    CHECK(t.jobs(id).size() == 2);
    // Another order gets its own.
    const auto other = t.order();
    CHECK(enqueue(t, other, kind::kInvoiceGenerate));
  }

  TEST_CASE("an order has one job of a kind per key: one refund job per refund, one alert per death") {
    TempStore t;
    const auto id = t.order();
    CHECK(enqueue(t, id, kind::kAlertTeam, t0(), R"({"dead_job_id":"a"})", "alert-a"));
    CHECK(enqueue(t, id, kind::kAlertTeam, t0(), R"({"dead_job_id":"b"})", "alert-b"));
    CHECK_FALSE(enqueue(t, id, kind::kAlertTeam, t0(), R"({"dead_job_id":"b"})", "alert-b"));
    int alerts = 0;
    for (const auto& j : t.jobs(id)) alerts += j.kind == kind::kAlertTeam;
    CHECK(alerts == 2);
    CHECK(t.job(id, kind::kAlertTeam).job_key == "alert-a");
    CHECK(t.job(id, kind::kAlertTeam).payload == R"({"dead_job_id":"a"})");
    CHECK(t.job(id, kind::kPaymentCharge).job_key.empty());
  }

  TEST_CASE("a new job is pending, due at its run_at, with no attempts") {
    TempStore t;
    const auto id = t.order();
    const auto job = t.job(id, kind::kPaymentCharge);
    CHECK(job.state == "pending");
    CHECK(job.attempts == 0);
    CHECK(job.max_attempts == 3);
    CHECK(job.run_at == format_iso(t0()));
    CHECK(t.read([](store::Connection& db) { return store::next_due_at(db); }) == t0());
  }

  TEST_CASE("claim takes only due jobs, oldest first") {
    TempStore t;
    // Created newest-due first, so neither insertion order nor id order is run_at order.
    const auto later = t.order("MUG-01", 1, at(60));
    const auto second = t.order("MUG-01", 1, at(2));
    const auto first = t.order("MUG-01", 1, at(1));
    const auto one = t.claim(at(5), 1);
    REQUIRE(one.size() == 1);
    CHECK(one[0].order_id == first);
    const auto rest = t.claim(at(5));
    REQUIRE(rest.size() == 1);
    CHECK(rest[0].order_id == second);
    CHECK(t.job(later, kind::kPaymentCharge).state == "pending");
    // Running jobs are not claimed again.
    CHECK(t.claim(at(5)).empty());
    CHECK(t.claim(at(60)).size() == 1);
  }

  TEST_CASE("a paid order's next steps are claimed before older waiting payments") {
    TempStore t;
    // A backlog: two payments waiting since t0, and a paid order whose
    // invoice became due later. The invoice goes first, so slow payments
    // never hold up orders that are already paid.
    t.order("MUG-01", 1, at(0));
    t.order("MUG-01", 1, at(0));
    const auto paid = t.order("MUG-01", 1, at(0));
    t.write([&](store::Tx& tx) {
      store::NewJob invoice{paid, kind::kInvoiceGenerate, 3, at(30)};
      invoice.priority = job_priority(kind::kInvoiceGenerate);
      store::enqueue(tx, invoice, at(30));
    });
    const auto first = t.claim(at(31), 1);
    REQUIRE(first.size() == 1);
    CHECK(first[0].kind == kind::kInvoiceGenerate);
    CHECK(t.claim(at(31), 1)[0].kind == kind::kPaymentCharge);
  }

  TEST_CASE("claim takes at most the number of free slots") {
    TempStore t;
    for (int i = 0; i < 5; ++i) t.order("MUG-01", 1, at(i));
    CHECK(t.claim(at(10), 3).size() == 3);
    CHECK(t.claim(at(10), 3).size() == 2);
  }

  TEST_CASE("a claimed job is running under a lease and its attempt is recorded") {
    TempStore t;
    t.order();
    const auto claimed = t.claim(at(1), 10, "worker-a", 60);
    REQUIRE(claimed.size() == 1);
    const auto job = reload(t, claimed[0]);
    CHECK(job.state == "running");
    CHECK(job.attempts == 1);
    CHECK(job.lease_owner == "worker-a");
    CHECK_FALSE(job.lease_token.empty());
    CHECK(job.lease_token == claimed[0].lease_token);
    CHECK(job.locked_until == format_iso(at(61)));
    CHECK(job.updated_at == format_iso(at(1)));  // when the attempt started
    // An attempt is written when it ends, not when it starts.
    CHECK(t.attempts(job.id).empty());
  }

  TEST_CASE("every claim hands out a different lease token") {
    TempStore t;
    t.order();
    const auto first = t.claim(at(1)).at(0);
    REQUIRE(t.write([&](store::Tx& tx) { return store::requeue_abandoned(tx, first, at(2)); }));
    const auto second = t.claim(at(2)).at(0);
    CHECK(second.id == first.id);
    CHECK(second.lease_token != first.lease_token);
    CHECK(second.attempts == 1);  // the interrupted attempt was given back
  }

  TEST_CASE("mark_done finishes the job and its attempt") {
    TempStore t;
    t.order();
    const auto job = t.claim(at(1)).at(0);
    CHECK(t.write([&](store::Tx& tx) { return store::mark_done(tx, job, kOk); }));
    const auto done = reload(t, job);
    CHECK(done.state == "done");
    CHECK(done.lease_token.empty());
    CHECK(done.locked_until.empty());
    CHECK(done.attempts == 1);
    CHECK(done.updated_at == format_iso(at(2)));
    // A first attempt that succeeded leaves no attempt row: the job row says it all.
    CHECK(t.attempts(job.id).empty());
  }

  TEST_CASE("a success after failed attempts is recorded, so the history reads to its end") {
    TempStore t;
    t.order();
    const auto job = t.claim(at(1)).at(0);
    const auto busy = JobError::transient("http_503", "busy").with_status(503);
    REQUIRE(t.write([&](store::Tx& tx) { return store::mark_retrying(tx, job, {at(2), 10, &busy}, at(3)); }));
    const auto again = t.claim(at(3)).at(0);
    REQUIRE(t.write([&](store::Tx& tx) { return store::mark_done(tx, again, {at(4), 40, nullptr}); }));
    const auto attempts = t.attempts(job.id);
    REQUIRE(attempts.size() == 2);
    CHECK(attempts[0].outcome == "transient");
    CHECK(attempts[0].started_at == format_iso(at(1)));
    CHECK(attempts[1].attempt == 2);
    CHECK(attempts[1].outcome == "ok");
    CHECK(attempts[1].started_at == format_iso(at(3)));
    CHECK(attempts[1].duration_ms == 40);
    CHECK(attempts[1].finished_at == format_iso(at(4)));
  }

  TEST_CASE("a stale lease token changes nothing") {
    TempStore t;
    t.order();
    const auto stale = t.claim(at(0), 10, "worker-a", 10).at(0);
    // worker-a stalls past its lease; the job is rescued and claimed by worker-b.
    const auto abandoned = t.read([](store::Connection& db) { return store::find_abandoned(db, at(11), "worker-b", false); });
    REQUIRE(ids(abandoned) == std::vector<std::string>{stale.id});
    REQUIRE(t.write([&](store::Tx& tx) { return store::requeue_abandoned(tx, abandoned[0], at(11)); }));
    const auto fresh = t.claim(at(11), 10, "worker-b", 10).at(0);

    const auto error = JobError::permanent("card_declined", "Your card was declined.");
    const store::AttemptEnd failed{at(12), 5, &error};
    CHECK_FALSE(t.write([&](store::Tx& tx) { return store::mark_done(tx, stale, kOk); }));
    CHECK_FALSE(t.write([&](store::Tx& tx) { return store::mark_retrying(tx, stale, failed, at(20)); }));
    CHECK_FALSE(t.write([&](store::Tx& tx) { return store::mark_dead(tx, stale, failed); }));
    const auto now = reload(t, fresh);
    CHECK(now.state == "running");
    CHECK(now.lease_owner == "worker-b");
    CHECK(now.lease_token == fresh.lease_token);
    CHECK(t.attempts(fresh.id).back().outcome == "interrupted");  // only the rescue wrote
    // The current holder still can.
    CHECK(t.write([&](store::Tx& tx) { return store::mark_done(tx, fresh, kOk); }));
  }

  TEST_CASE("a finished job cannot be finished again with the same lease") {
    TempStore t;
    t.order();
    const auto job = t.claim(at(1)).at(0);
    REQUIRE(t.write([&](store::Tx& tx) { return store::mark_done(tx, job, kOk); }));
    const auto error = JobError::transient("timeout", "no answer");
    CHECK_FALSE(t.write([&](store::Tx& tx) { return store::mark_retrying(tx, job, {at(3), 1, &error}, at(4)); }));
    CHECK(reload(t, job).state == "done");
  }

  TEST_CASE("a retrying job keeps its error and is not claimed before run_at") {
    TempStore t;
    t.order();
    const auto job = t.claim(at(1)).at(0);
    const auto error = JobError::transient("http_503", "Service Unavailable").with_status(503).with_body("<h1>down</h1>");
    REQUIRE(t.write([&](store::Tx& tx) { return store::mark_retrying(tx, job, {at(2), 30, &error}, at(9)); }));
    const auto retrying = reload(t, job);
    CHECK(retrying.state == "retrying");
    CHECK(retrying.run_at == format_iso(at(9)));
    CHECK(retrying.last_error == "http_503: Service Unavailable");
    CHECK(retrying.lease_token.empty());
    const auto attempt = t.attempts(job.id).at(0);
    CHECK(attempt.outcome == "transient");
    CHECK(attempt.error_code == "http_503");
    CHECK(attempt.provider_status == 503);
    CHECK(attempt.body_excerpt == "<h1>down</h1>");
    CHECK(attempt.error_where.value_or("").find("outbox_store_test.cpp") != std::string::npos);

    CHECK(t.claim(at(8)).empty());
    const auto again = t.claim(at(9));
    REQUIRE(again.size() == 1);
    CHECK(again[0].attempts == 2);
    CHECK(t.attempts(job.id).size() == 1);  // the second is written when it ends
  }

  TEST_CASE("mark_dead records a permanent error") {
    TempStore t;
    t.order();
    const auto job = t.claim(at(1)).at(0);
    const auto error = JobError::permanent("card_declined", "Your card was declined.").with_status(402);
    REQUIRE(t.write([&](store::Tx& tx) { return store::mark_dead(tx, job, {at(2), 12, &error}); }));
    const auto dead = reload(t, job);
    CHECK(dead.state == "dead");
    CHECK(dead.last_error == "card_declined: Your card was declined.");
    CHECK(t.attempts(job.id).at(0).outcome == "permanent");
    CHECK(t.claim(at(100)).empty());
  }

  TEST_CASE("a job whose lease expired is found as abandoned, a live lease is not") {
    TempStore t;
    t.order();
    const auto job = t.claim(at(0), 10, "worker-a", 30).at(0);
    auto abandoned = [&](TimePoint now, const std::string& me, bool startup) {
      return ids(t.read([&](store::Connection& db) { return store::find_abandoned(db, now, me, startup); }));
    };
    CHECK(abandoned(at(10), "worker-b", false).empty());
    CHECK(abandoned(at(30), "worker-b", false) == std::vector<std::string>{job.id});
    // At startup every job another process left running is abandoned, lease or not.
    CHECK(abandoned(at(10), "worker-b", true) == std::vector<std::string>{job.id});
    CHECK(abandoned(at(10), "worker-a", true).empty());
  }

  TEST_CASE("a rescued job is due again at once and its attempt is recorded as interrupted") {
    TempStore t;
    t.order();
    const auto job = t.claim(at(0), 10, "worker-a", 30).at(0);
    REQUIRE(t.write([&](store::Tx& tx) { return store::requeue_abandoned(tx, job, at(31)); }));
    const auto requeued = reload(t, job);
    CHECK(requeued.state == "retrying");
    CHECK(requeued.run_at == format_iso(at(31)));
    CHECK(requeued.attempts == 0);  // a crash never uses up an attempt
    CHECK(requeued.lease_owner.empty());
    const auto attempt = t.attempts(job.id).at(0);
    CHECK(attempt.outcome == "interrupted");
    CHECK(attempt.finished_at == format_iso(at(31)));
    CHECK(t.claim(at(31)).size() == 1);
  }

  TEST_CASE("leases are extended only for the owner's own running jobs once half used") {
    TempStore t;
    t.order();
    t.order();
    const auto mine = t.claim(at(0), 1, "worker-a", 60).at(0);
    const auto theirs = t.claim(at(0), 1, "worker-b", 60).at(0);
    const std::string both = "[\"" + mine.id + "\",\"" + theirs.id + "\"]";
    CHECK(t.write([&](store::Tx& tx) { return store::extend_leases(tx, "worker-a", both, at(10), 60); }) == 0);
    CHECK(reload(t, mine).locked_until == format_iso(at(60)));
    CHECK(t.write([&](store::Tx& tx) { return store::extend_leases(tx, "worker-a", both, at(40), 60); }) == 1);
    CHECK(reload(t, mine).locked_until == format_iso(at(100)));
    CHECK(reload(t, theirs).locked_until == format_iso(at(60)));
  }

  TEST_CASE("release at shutdown hands back only this owner's jobs, due now, without using up an attempt") {
    TempStore t;
    t.order("MUG-01", 1, at(0));
    t.order("MUG-01", 1, at(0));
    const auto first_try = t.claim(at(1), 1, "me").at(0);
    // A job on its second attempt goes back to retrying.
    const auto second_try = t.claim(at(1), 1, "me").at(0);
    const auto error = JobError::transient("timeout", "no answer");
    REQUIRE(t.write([&](store::Tx& tx) { return store::mark_retrying(tx, second_try, {at(2), 1, &error}, at(2)); }));
    const auto second_try_again = t.claim(at(3), 1, "me").at(0);
    REQUIRE(second_try_again.id == second_try.id);
    REQUIRE(second_try_again.attempts == 2);
    t.order("MUG-01", 1, at(3));
    const auto someone_elses = t.claim(at(3), 1, "other").at(0);

    CHECK(t.write([&](store::Tx& tx) { return store::release_owned(tx, "me", at(4)); }) == 2);
    const auto released_first = reload(t, first_try);
    CHECK(released_first.state == "pending");
    CHECK(released_first.attempts == 0);
    CHECK(released_first.run_at == format_iso(at(4)));
    CHECK(released_first.lease_owner.empty());
    const auto released_second = reload(t, second_try_again);
    CHECK(released_second.state == "retrying");
    CHECK(released_second.attempts == 1);
    CHECK(t.attempts(first_try.id).back().outcome == "interrupted");
    CHECK(reload(t, someone_elses).state == "running");
    CHECK(t.attempts(someone_elses.id).empty());

    // Claimed again, each released job repeats the attempt number it had.
    const auto reclaimed = t.claim(at(4), 10, "next");
    REQUIRE(reclaimed.size() == 2);
    for (const auto& j : reclaimed) CHECK(j.attempts == (j.id == first_try.id ? 1 : 2));
  }

  TEST_CASE("retrying a dead job resets its attempts and makes it due") {
    TempStore t;
    t.order();
    const auto job = t.claim(at(1)).at(0);
    const auto error = JobError::transient("timeout", "no answer");
    REQUIRE(t.write([&](store::Tx& tx) { return store::mark_dead(tx, job, {at(2), 1, &error}); }));
    CHECK(t.write([&](store::Tx& tx) { return store::retry_dead(tx, job.id, 7, at(50)); }));
    const auto revived = reload(t, job);
    CHECK(revived.state == "pending");
    CHECK(revived.attempts == 0);
    CHECK(revived.max_attempts == 7);
    CHECK(revived.run_at == format_iso(at(50)));
    const auto again = t.claim(at(50));
    REQUIRE(again.size() == 1);
    CHECK(again[0].attempts == 1);
    // The earlier attempt stays on record; the new one is written when it ends.
    CHECK(t.attempts(job.id).size() == 1);
    REQUIRE(t.write([&](store::Tx& tx) { return store::mark_done(tx, again[0], {at(51), 1, nullptr}); }));
    CHECK(t.attempts(job.id).size() == 2);
  }

  TEST_CASE("only a dead job can be retried") {
    TempStore t;
    const auto id = t.order();
    const auto pending = t.job(id, kind::kPaymentCharge);
    CHECK_FALSE(t.write([&](store::Tx& tx) { return store::retry_dead(tx, pending.id, 7, at(1)); }));
    const auto running = t.claim(at(1)).at(0);
    CHECK_FALSE(t.write([&](store::Tx& tx) { return store::retry_dead(tx, running.id, 7, at(1)); }));
    CHECK(reload(t, running).state == "running");
    CHECK_FALSE(t.write([&](store::Tx& tx) { return store::retry_dead(tx, "no-such-job", 7, at(1)); }));
  }

  TEST_CASE("the next due time is the earliest pending or retrying job") {
    TempStore t;
    CHECK_FALSE(t.read([](store::Connection& db) { return store::next_due_at(db); }).has_value());
    t.order("MUG-01", 1, at(30));
    t.order("MUG-01", 1, at(20));
    CHECK(t.read([](store::Connection& db) { return store::next_due_at(db); }) == at(20));
    t.claim(at(25));
    CHECK(t.read([](store::Connection& db) { return store::next_due_at(db); }) == at(30));
  }
}

TEST_SUITE("outbox_store accounting") {
  TEST_CASE("an attempt that reached no provider is given back and counted apart, with when the outage began") {
    TempStore t;
    t.order();
    const auto job = t.claim(at(1)).at(0);
    const auto refused = JobError::unreachable("connect_failed", "Connection refused");
    REQUIRE(t.write([&](store::Tx& tx) {
      return store::mark_retrying(tx, job, store::AttemptEnd{at(2), 3, &refused}, at(5));
    }));
    auto j = reload(t, job);
    CHECK(j.attempts == 0);
    CHECK(j.unreachable_attempts == 1);
    CHECK(j.unreachable_since == format_iso(at(2)));
    CHECK(t.attempts(job.id).at(0).outcome == "unreachable");

    // A second unreachable attempt keeps the start of the outage.
    const auto again = t.claim(at(5)).at(0);
    REQUIRE(t.write([&](store::Tx& tx) {
      return store::mark_retrying(tx, again, store::AttemptEnd{at(6), 3, &refused}, at(9));
    }));
    j = reload(t, job);
    CHECK(j.unreachable_attempts == 2);
    CHECK(j.unreachable_since == format_iso(at(2)));
    CHECK(t.attempts(job.id).back().attempt == 2);

    // An answer ends the outage and counts.
    const auto answered = t.claim(at(9)).at(0);
    const auto busy = JobError::transient("http_503", "busy").with_status(503);
    REQUIRE(t.write([&](store::Tx& tx) {
      return store::mark_retrying(tx, answered, store::AttemptEnd{at(10), 3, &busy}, at(12));
    }));
    j = reload(t, job);
    CHECK(j.attempts == 1);
    CHECK(j.unreachable_attempts == 2);
    CHECK_FALSE(j.unreachable_since.has_value());
  }

  TEST_CASE("a deferred job runs later with its attempt given back and no attempt row") {
    TempStore t;
    t.order();
    const auto job = t.claim(at(1)).at(0);
    REQUIRE(t.write([&](store::Tx& tx) { return store::defer(tx, job, at(60), at(1)); }));
    const auto j = reload(t, job);
    CHECK(j.state == "pending");
    CHECK(j.attempts == 0);
    CHECK(j.run_at == format_iso(at(60)));
    CHECK(t.attempts(job.id).empty());
    CHECK(t.claim(at(59)).empty());
    CHECK(t.claim(at(60)).size() == 1);
  }

  TEST_CASE("only a dead job can be discarded, and a discarded job is never claimed") {
    TempStore t;
    t.order();
    const auto job = t.claim(at(1)).at(0);
    CHECK_FALSE(t.write([&](store::Tx& tx) { return store::discard_dead(tx, job.id, at(2)); }));
    const auto declined = JobError::permanent("card_declined", "declined").with_status(402);
    REQUIRE(t.write([&](store::Tx& tx) { return store::mark_dead(tx, job, store::AttemptEnd{at(2), 1, &declined}); }));
    CHECK(t.read([](store::Connection& db) { return store::dead_job_ids(db, std::nullopt); }).size() == 1);
    CHECK(t.read([](store::Connection& db) { return store::dead_job_ids(db, std::string("email.confirmation")); })
              .empty());
    REQUIRE(t.write([&](store::Tx& tx) { return store::discard_dead(tx, job.id, at(3)); }));
    CHECK(reload(t, job).state == "discarded");
    CHECK(t.read([](store::Connection& db) { return store::dead_job_ids(db, std::nullopt); }).empty());
    CHECK_FALSE(t.write([&](store::Tx& tx) { return store::retry_dead(tx, job.id, 3, at(4)); }));
    CHECK(t.claim(at(10)).empty());
  }
}
