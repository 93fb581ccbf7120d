// Which providers are unreachable, from the attempts' outcomes.
#include <doctest/doctest.h>

#include "core/job_kind.h"
#include "outbox/provider_outages.h"

namespace shopd {

namespace {

Episode::Clock::time_point at_s(double s) {
  return Episode::Clock::time_point{} + std::chrono::milliseconds(static_cast<int64_t>(s * 1000));
}

const JobError kRefused = JobError::unreachable("connect_failed", "Failed to connect to api.stripe.com");
const JobError kServerError = JobError::transient("api_error", "try again").with_status(500);
const JobError kBadUrl = JobError::permanent("invalid_url", "bad url");

}  // namespace

TEST_SUITE("provider_outages") {
  TEST_CASE("the first unanswered attempt reports the outage and the later ones are quiet") {
    ProviderOutages outages;
    CHECK_FALSE(outages.note("payment.charge", &kRefused, at_s(0)));
    CHECK(outages.unreachable("payment.charge"));
    CHECK(outages.note("payment.charge", &kRefused, at_s(1)));
    CHECK(outages.note("payment.charge", &kRefused, at_s(2)));
  }

  TEST_CASE("an answer from the provider, success or error, ends the outage once it settles") {
    ProviderOutages outages;
    outages.note("payment.charge", &kRefused, at_s(0));
    outages.note("payment.charge", &kServerError, at_s(10));
    CHECK_FALSE(outages.unreachable("payment.charge"));
    outages.note("payment.charge", &kRefused, at_s(20));
    outages.note("payment.charge", nullptr, at_s(30));
    CHECK_FALSE(outages.unreachable("payment.charge"));
    CHECK_FALSE(outages.note("payment.charge", &kRefused, at_s(40)));  // a new outage is reported again
  }

  TEST_CASE("an outage that answered again ends on the tick after it settled") {
    ProviderOutages outages;
    outages.note("payment.charge", &kRefused, at_s(0));
    outages.note("payment.charge", nullptr, at_s(0.5));
    CHECK(outages.unreachable("payment.charge"));
    outages.end_settled(at_s(1));
    CHECK(outages.unreachable("payment.charge"));
    outages.end_settled(at_s(3));
    CHECK_FALSE(outages.unreachable("payment.charge"));
  }

  TEST_CASE("an error the provider did not send says nothing about its reachability") {
    ProviderOutages outages;
    outages.note("payment.charge", &kRefused, at_s(0));
    outages.note("payment.charge", &kBadUrl, at_s(10));
    CHECK(outages.unreachable("payment.charge"));
  }

  TEST_CASE("providers are told apart by the job kind's family") {
    ProviderOutages outages;
    outages.note("email.confirmation", &kRefused, at_s(0));
    CHECK(outages.unreachable("email.payment_failed"));
    CHECK_FALSE(outages.unreachable("payment.charge"));
    CHECK_FALSE(outages.note("payment.charge", &kRefused, at_s(1)));  // its own outage, reported on its own
  }

  TEST_CASE("the team is alerted once per outage") {
    ProviderOutages outages;
    CHECK_FALSE(outages.claim_alert("payment.charge"));  // no outage
    outages.note("payment.charge", &kRefused, at_s(0));
    CHECK(outages.claim_alert("payment.charge"));
    CHECK_FALSE(outages.claim_alert("payment.charge"));
    outages.give_back_alert("payment.charge");          // its write failed
    CHECK(outages.claim_alert("payment.charge"));
    outages.note("payment.charge", nullptr, at_s(10));   // over
    outages.note("payment.charge", &kRefused, at_s(20));  // the next outage
    CHECK(outages.claim_alert("payment.charge"));
  }

  TEST_CASE("each provider has a name an owner recognises") {
    CHECK(provider_name("payment.charge") == "payment provider");
    CHECK(provider_name("email.confirmation") == "mail relay");
    CHECK(provider_name("alert.team") == "alert channel");
  }
}

}  // namespace shopd
