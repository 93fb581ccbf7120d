#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "core/job_kind.h"
#include "outbox/job_state.h"
#include "outbox/retry_policy.h"

using namespace shopd;

namespace {

TimePoint now() { return *parse_iso("2030-01-02T03:04:05.000Z"); }

const RetryPolicy kPolicy{5, 2, 3600};

Decision decide_after(int attempts_made, const JobError* error, int max_attempts = 5) {
  std::mt19937_64 rng(17);
  return decide(attempts_made, max_attempts, error, kPolicy, now(), rng);
}

std::string_view status(std::vector<JobSummary> jobs) { return derive_order_status(jobs); }

}  // namespace

TEST_SUITE("job_state") {
  TEST_CASE("a successful attempt is done, whatever attempt it was") {
    for (int n : {1, 4, 5}) CHECK(std::holds_alternative<decision::Done>(decide_after(n, nullptr)));
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
      CHECK(retry->at <= now() + Millis(static_cast<int64_t>(backoff_ceiling(kPolicy, n) * 1000)));
    }
  }

  TEST_CASE("transient error dies once max_attempts are used up") {
    const auto outage = JobError::transient("timeout", "no answer in 30 s");
    CHECK(std::holds_alternative<decision::Dead>(decide_after(5, &outage, 5)));
    CHECK(std::holds_alternative<decision::Dead>(decide_after(6, &outage, 5)));
    CHECK(std::holds_alternative<decision::Dead>(decide_after(1, &outage, 1)));
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

  TEST_CASE("a dead payment makes the order payment_failed, also while its follow-ups run") {
    CHECK(status({{"payment.charge", "dead"}}) == "payment_failed");
    CHECK(status({{"payment.charge", "dead"},
                  {"inventory.release", "done"},
                  {"email.payment_failed", "retrying"},
                  {"alert.team", "pending"}}) == "payment_failed");
  }

  TEST_CASE("any other dead job makes the order needs_attention") {
    for (const char* k : {"inventory.commit", "invoice.generate", "email.confirmation"}) {
      CAPTURE(k);
      CHECK(status({{"payment.charge", "done"}, {k, "dead"}, {"alert.team", "done"}}) == "needs_attention");
    }
    // A failed payment whose customer email or stock release also died needs a human too.
    CHECK(status({{"payment.charge", "dead"}, {"email.payment_failed", "dead"}}) == "needs_attention");
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

  TEST_CASE("a step whose job does not exist yet is waiting, otherwise it shows the job's state") {
    CHECK(step_state(nullptr, "paid") == "waiting");
    for (const char* s : {"pending", "running", "retrying", "done", "dead"}) {
      const JobSummary job{"invoice.generate", s};
      CHECK(step_state(&job, "paid") == s);
    }
  }

  TEST_CASE("a step of a completed order whose job was pruned by retention shows done") {
    CHECK(step_state(nullptr, "completed") == "done");
    CHECK(step_state(nullptr, "payment_failed") == "waiting");
  }

  TEST_CASE("stored state names read back as the same state, and waiting is never stored") {
    for (auto s : {JobState::Pending, JobState::Running, JobState::Retrying, JobState::Done, JobState::Dead})
      CHECK(parse_job_state(to_string(s)) == s);
    CHECK(to_string(JobState::Retrying) == "retrying");
    CHECK_FALSE(parse_job_state("waiting").has_value());
    CHECK_FALSE(parse_job_state("DONE").has_value());
  }
}
