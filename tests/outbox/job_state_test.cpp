#include <doctest/doctest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/job_kind.h"
#include "outbox/job_state.h"
#include "outbox/retry_policy.h"

using namespace shopd;

namespace {

TimePoint now() { return *parse_iso("2030-01-02T03:04:05.000Z"); }

RetryPolicy policy() {
  RetryPolicy p{5, 2, 3600};
  p.unreachable_seconds = 3600;
  return p;
}

Decision decide_after(int attempts, const JobError* error, int max_attempts = 5, int unreachable_attempts = 0,
                      std::optional<TimePoint> unreachable_since = std::nullopt) {
  std::mt19937_64 rng(17);
  return decide(AttemptFacts{attempts, max_attempts, unreachable_attempts, unreachable_since}, error, std::nullopt,
                policy(), now(), rng);
}

std::string_view status(const std::vector<std::pair<std::string, std::string>>& jobs, const OrderFacts& facts = {}) {
  std::vector<JobSummary> summaries;
  for (const auto& [kind, state] : jobs) summaries.push_back(JobSummary{kind, *parse_job_state(state)});
  return to_string(derive_order_status(summaries, facts));
}

using Jobs = std::vector<std::pair<std::string, std::string>>;

const Jobs kCompleted = {
    {"payment.charge", "done"}, {"inventory.commit", "done"}, {"invoice.generate", "done"}, {"email.confirmation", "done"}};

OrderFacts cancelled() {
  OrderFacts f;
  f.cancelled = true;
  return f;
}

OrderFacts paid(int64_t total, int64_t refunded) {
  OrderFacts f;
  f.paid = true;
  f.total_cents = total;
  f.refunded_cents = refunded;
  return f;
}

OrderFacts waiting_for_customer() {
  OrderFacts f;
  f.payment_action_open = true;
  return f;
}

std::string_view step(const char* state, OrderStatus order) {
  if (!state) return to_string(step_state(nullptr, order));
  const JobSummary job{"invoice.generate", *parse_job_state(state)};
  return to_string(step_state(&job, order));
}

}  // namespace

TEST_SUITE("job_state") {
  TEST_CASE("a successful attempt is done, whatever attempt it was") {
    for (int n : {1, 4, 5}) CHECK(std::holds_alternative<decision::Done>(decide_after(n, nullptr)));
  }

  TEST_CASE("a handler's deferral runs the job again later without an error") {
    std::mt19937_64 rng(1);
    const TimePoint later = now() + std::chrono::seconds(30);
    const Decision d = decide(AttemptFacts{5, 5, 0, std::nullopt}, nullptr, later, policy(), now(), rng);
    const auto* defer = std::get_if<decision::Defer>(&d);
    REQUIRE(defer != nullptr);
    CHECK(defer->at == later);
  }

  TEST_CASE("permanent error dies on the first attempt even with attempts left") {
    const auto declined = JobError::permanent("card_declined", "Your card was declined.").with_status(402);
    CHECK(std::holds_alternative<decision::Dead>(decide_after(1, &declined, 8)));
    CHECK(std::holds_alternative<decision::Dead>(decide_after(3, &declined, 8)));
  }

  TEST_CASE("transient error retries later while attempts are left") {
    const auto outage = JobError::transient("http_503", "Service Unavailable").with_status(503);
    for (int n = 1; n < 5; ++n) {
      CAPTURE(n);
      const Decision d = decide_after(n, &outage);
      const auto* retry = std::get_if<decision::RetryAt>(&d);
      REQUIRE(retry != nullptr);
      CHECK(retry->at >= now());
      CHECK(retry->at <= now() + Millis(static_cast<int64_t>(backoff_ceiling(policy(), n) * 1000)));
    }
  }

  TEST_CASE("an answered transient error dies once max_attempts are used up") {
    const auto outage = JobError::transient("http_500", "Internal Server Error").with_status(500);
    CHECK(std::holds_alternative<decision::Dead>(decide_after(5, &outage, 5)));
    CHECK(std::holds_alternative<decision::Dead>(decide_after(6, &outage, 5)));
    CHECK(std::holds_alternative<decision::Dead>(decide_after(1, &outage, 1)));
  }

  TEST_CASE("an unreachable provider does not use up attempts: the job retries past max_attempts") {
    const auto refused = JobError::unreachable("connect_failed", "Connection refused");
    const Decision d = decide_after(5, &refused, 5, 40, now() - std::chrono::minutes(59));
    CHECK(std::holds_alternative<decision::RetryAt>(d));
    // The first unanswered attempt starts the window.
    CHECK(std::holds_alternative<decision::RetryAt>(decide_after(5, &refused, 5, 0, std::nullopt)));
  }

  TEST_CASE("an unreachable provider kills the job once unreachable_seconds have passed since the first failure") {
    const auto timeout = JobError::unreachable("timeout", "no answer in 30 s");
    CHECK(std::holds_alternative<decision::Dead>(decide_after(1, &timeout, 5, 60, now() - std::chrono::hours(1))));
    CHECK(std::holds_alternative<decision::Dead>(decide_after(1, &timeout, 5, 60, now() - std::chrono::hours(30))));
  }

  TEST_CASE("the backoff grows with unanswered attempts too, and stays under max_seconds") {
    const auto refused = JobError::unreachable("connect_failed", "Connection refused");
    RetryPolicy p = policy();
    p.max_seconds = 60;
    for (int unreachable : {0, 3, 10, 200}) {
      CAPTURE(unreachable);
      std::mt19937_64 rng(3);
      const Decision d = decide(AttemptFacts{1, 5, unreachable, now()}, &refused, std::nullopt, p, now(), rng);
      const auto* retry = std::get_if<decision::RetryAt>(&d);
      REQUIRE(retry != nullptr);
      CHECK(retry->at <= now() + Millis(static_cast<int64_t>(backoff_ceiling(p, 1 + unreachable) * 1000)));
      CHECK(retry->at <= now() + std::chrono::seconds(60));
    }
  }

  TEST_CASE("a provider's Retry-After delays the retry at least that long") {
    const auto limited = JobError::transient("rate_limited", "Too Many Requests").with_status(429).with_retry_after(40);
    const Decision d = decide_after(1, &limited);
    const auto* retry = std::get_if<decision::RetryAt>(&d);
    REQUIRE(retry != nullptr);
    CHECK(retry->at >= now() + std::chrono::seconds(40));
  }

  TEST_CASE("an order whose payment has not succeeded yet is received") {
    CHECK(status({}) == "received");
    CHECK(status({{"payment.charge", "pending"}}) == "received");
    CHECK(status({{"payment.charge", "running"}}) == "received");
    CHECK(status({{"payment.charge", "retrying"}}) == "received");
  }

  TEST_CASE("an order is paid once its payment is done, until every step is done") {
    CHECK(status({{"payment.charge", "done"}}) == "paid");
    CHECK(status({{"payment.charge", "done"}, {"inventory.commit", "done"}, {"invoice.generate", "retrying"}}) ==
          "paid");
    CHECK(status({{"payment.charge", "done"},
                  {"inventory.commit", "done"},
                  {"invoice.generate", "done"},
                  {"email.confirmation", "running"}}) == "paid");
  }

  TEST_CASE("an order is completed when stock, invoice and confirmation email are done") {
    CHECK(status({{"payment.charge", "done"},
                  {"inventory.commit", "done"},
                  {"invoice.generate", "done"},
                  {"email.confirmation", "done"}}) == "completed");
    // Without its stock committed it is not complete yet.
    CHECK(status({{"payment.charge", "done"},
                  {"inventory.commit", "pending"},
                  {"invoice.generate", "done"},
                  {"email.confirmation", "done"}}) == "paid");
  }

  TEST_CASE("a payment the provider refused makes the order payment_failed, also while its follow-ups run") {
    CHECK(status({{"payment.charge", "dead"}, {"inventory.release", "pending"}, {"email.payment_failed", "pending"}}) ==
          "payment_failed");
    CHECK(status({{"payment.charge", "dead"},
                  {"inventory.release", "done"},
                  {"email.payment_failed", "retrying"},
                  {"alert.team", "pending"}}) == "payment_failed");
  }

  TEST_CASE("a payment that died unreachable (no release follows) needs attention: it may have been charged") {
    CHECK(status({{"payment.charge", "dead"}, {"alert.team", "pending"}}) == "needs_attention");
  }

  TEST_CASE("a discarded job counts like the dead job it was: the order's status stays") {
    CHECK(status({{"payment.charge", "discarded"}, {"inventory.release", "done"}, {"email.payment_failed", "done"}}) ==
          "payment_failed");
    CHECK(status({{"payment.charge", "done"}, {"inventory.commit", "done"}, {"invoice.generate", "discarded"}}) ==
          "needs_attention");
  }

  TEST_CASE("any other dead job makes the order needs_attention") {
    for (const char* k : {"inventory.commit", "invoice.generate", "email.confirmation"}) {
      CAPTURE(k);
      CHECK(status({{"payment.charge", "done"}, {k, "dead"}, {"alert.team", "done"}}) == "needs_attention");
    }
    // A failed payment whose customer email or stock release also died needs a human too.
    CHECK(status({{"payment.charge", "dead"}, {"inventory.release", "done"}, {"email.payment_failed", "dead"}}) ==
          "needs_attention");
    CHECK(status({{"payment.charge", "dead"}, {"inventory.release", "dead"}}) == "needs_attention");
  }

  TEST_CASE("a dead team alert does not change the order's status") {
    CHECK(status({{"payment.charge", "dead"}, {"inventory.release", "done"}, {"email.payment_failed", "done"},
                  {"alert.team", "dead"}}) == "payment_failed");
    CHECK(status({{"payment.charge", "done"},
                  {"inventory.commit", "done"},
                  {"invoice.generate", "done"},
                  {"email.confirmation", "dead"},
                  {"alert.team", "dead"}}) == "needs_attention");
  }

  TEST_CASE("a payment waiting for the customer makes the order action_required") {
    CHECK(status({{"payment.charge", "pending"}}, waiting_for_customer()) == "action_required");
    CHECK(status({{"payment.charge", "retrying"}}, waiting_for_customer()) == "action_required");
    // Once the provider said no, it failed whatever the action said.
    CHECK(status({{"payment.charge", "dead"}, {"inventory.release", "pending"}}, waiting_for_customer()) ==
          "payment_failed");
  }

  TEST_CASE("an order the owner cancelled is cancelled, before or after its payment, whatever its jobs did") {
    CHECK(status({{"payment.charge", "pending"}}, cancelled()) == "cancelled");
    CHECK(status({{"payment.charge", "running"}}, cancelled()) == "cancelled");
    CHECK(status({{"payment.charge", "pending"}}, [] {
            auto f = cancelled();
            f.payment_action_open = true;
            return f;
          }()) == "cancelled");
    // Stopped before it ran: discarded, with its stock released.
    CHECK(status({{"payment.charge", "discarded"}, {"inventory.release", "done"}}, cancelled()) == "cancelled");
    // A running charge that was declined after the cancel.
    CHECK(status({{"payment.charge", "dead"}, {"inventory.release", "done"}}, cancelled()) == "cancelled");
    // After the payment: refunded in full, and still cancelled rather than refunded.
    auto after = paid(2400, 2400);
    after.cancelled = true;
    CHECK(status(kCompleted, after) == "cancelled");
    auto refund_pending = paid(2400, 0);
    refund_pending.cancelled = true;
    CHECK(status({{"payment.charge", "done"}, {"payment.refund", "running"}}, refund_pending) == "cancelled");
  }

  TEST_CASE("a cancelled order whose refund or email died needs attention: it is not settled") {
    auto after = paid(2400, 0);
    after.cancelled = true;
    Jobs jobs = kCompleted;
    jobs.push_back({"payment.refund", "dead"});
    CHECK(status(jobs, after) == "needs_attention");
    // A payment that died unreachable may have been charged, cancelled or not.
    CHECK(status({{"payment.charge", "dead"}, {"alert.team", "done"}}, cancelled()) == "needs_attention");
  }

  TEST_CASE("an order whose payment was refunded in full is refunded; a partial refund leaves its status") {
    CHECK(status(kCompleted, paid(2400, 2400)) == "refunded");
    CHECK(status(kCompleted, paid(2400, 2500)) == "refunded");
    CHECK(status(kCompleted, paid(2400, 2399)) == "completed");
    CHECK(status({{"payment.charge", "done"}}, paid(2400, 1000)) == "paid");
    CHECK(status({{"payment.charge", "done"}}, paid(2400, 2400)) == "refunded");
    // A free order was never paid anything to give back.
    CHECK(status(kCompleted, paid(0, 0)) == "completed");
    // Refunds only exist for paid orders; unpaid facts never say refunded.
    OrderFacts unpaid;
    unpaid.total_cents = 2400;
    unpaid.refunded_cents = 2400;
    CHECK(status({{"payment.charge", "pending"}}, unpaid) == "received");
  }

  TEST_CASE("a cancel makes the confirmation and payment-failed emails moot: their deaths need no attention") {
    Jobs jobs = {{"payment.charge", "done"}, {"inventory.commit", "done"}, {"invoice.generate", "done"},
                 {"email.confirmation", "dead"}};
    CHECK(status(jobs) == "needs_attention");
    auto after = paid(2400, 0);
    after.cancelled = true;
    CHECK(status(jobs, after) == "cancelled");
    jobs.push_back({"email.cancelled", "dead"});
    CHECK(status(jobs, after) == "needs_attention");
  }

  TEST_CASE("a failed refund of a refunded-in-part order needs attention") {
    Jobs jobs = kCompleted;
    jobs.push_back({"payment.refund", "done"});
    jobs.push_back({"payment.refund", "dead"});
    CHECK(status(jobs, paid(2400, 1200)) == "needs_attention");
  }

  TEST_CASE("a step whose job does not exist yet is waiting, otherwise it shows the job's state") {
    CHECK(step(nullptr, OrderStatus::Paid) == "waiting");
    for (const char* s : {"pending", "running", "retrying", "done", "dead", "discarded"}) CHECK(step(s, OrderStatus::Paid) == s);
  }

  TEST_CASE("a step of a completed order whose job was pruned by retention shows done") {
    CHECK(step(nullptr, OrderStatus::Completed) == "done");
  }

  TEST_CASE("the steps of an order cancelled before they ran are skipped") {
    CHECK(step(nullptr, OrderStatus::Cancelled) == "skipped");
    CHECK(step("done", OrderStatus::Cancelled) == "done");
  }

  TEST_CASE("a step whose job retention pruned shows done whatever the order's status became") {
    CHECK(to_string(step_state(nullptr, OrderStatus::Refunded, /*pruned=*/true)) == "done");
    CHECK(to_string(step_state(nullptr, OrderStatus::Cancelled, /*pruned=*/true)) == "done");
    CHECK(to_string(step_state(nullptr, OrderStatus::Refunded, /*pruned=*/false)) == "waiting");
  }

  TEST_CASE("the invoice of a failed payment is skipped, not waiting forever") {
    CHECK(step(nullptr, OrderStatus::PaymentFailed) == "skipped");
    // A payment that may have been charged can still be retried by the owner: its steps wait.
    CHECK(step(nullptr, OrderStatus::NeedsAttention) == "waiting");
  }

  TEST_CASE("stored state names read back as the same state, and waiting is never stored") {
    for (const auto& [s, name] : kJobStateNames) {
      CHECK(parse_job_state(name) == s);
      CHECK(to_string(s) == name);
    }
    CHECK(to_string(JobState::Discarded) == "discarded");
    CHECK_FALSE(parse_job_state("waiting").has_value());
    CHECK_FALSE(parse_job_state("DONE").has_value());
    for (const auto& [s, name] : kOrderStatusNames) CHECK(parse_order_status(name) == s);
    CHECK(kOrderStatusNames.size() == 8);
    CHECK(to_string(OrderStatus::ActionRequired) == "action_required");
    CHECK(to_string(OrderStatus::Cancelled) == "cancelled");
    CHECK(to_string(OrderStatus::Refunded) == "refunded");
    CHECK(to_string(StepState::ActionRequired) == "action_required");
  }
}
