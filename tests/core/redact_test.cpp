// Secrets a provider echoes back never get past scrub_secrets (SPEC 4, 6).
#include <doctest/doctest.h>

#include "core/error.h"
#include "core/redact.h"

using namespace shopd;

TEST_SUITE("redact") {
  TEST_CASE("Stripe keys and card tokens are scrubbed anywhere in a text, keeping their harmless prefix") {
    CHECK(scrub_secrets("Invalid API Key provided: sk_live_51HxAbCdEf") ==
          "Invalid API Key provided: sk_live_[redacted]");
    CHECK(scrub_secrets("restricted rk_test_abc and webhook whsec_123") ==
          "restricted rk_test_[redacted] and webhook whsec_[redacted]");
    CHECK(scrub_secrets("No such PaymentMethod: 'pm_1Q2w3E4r'") == "No such PaymentMethod: 'pm_[redacted]'");
    CHECK(scrub_secrets("{\"token\":\"tok_visa\"}") == "{\"token\":\"tok_[redacted]\"}");
  }

  TEST_CASE("client secrets keep only the id they belong to") {
    CHECK(scrub_secrets("pi_123_secret_abcDEF") == "pi_123_secret_[redacted]");
  }

  TEST_CASE("credentials in headers are scrubbed: Authorization, Bearer and Basic") {
    CHECK(scrub_secrets("Authorization: Bearer sk_test_x\r\nAccept: */*") == "Authorization: [redacted]\r\nAccept: */*");
    CHECK(scrub_secrets("got bearer abc.def-ghi") == "got bearer [redacted]");
    CHECK(scrub_secrets("Basic dXNlcjpwYXNzd29yZA==") == "Basic [redacted]");
    CHECK(scrub_secrets("basic information") == "basic information");
  }

  TEST_CASE("words that merely contain a prefix are left alone") {
    CHECK(scrub_secrets("task_sk_1 and item_pm_2 and ask_me") == "task_sk_1 and item_pm_2 and ask_me");
    CHECK(scrub_secrets("payment.charge failed: http_500") == "payment.charge failed: http_500");
    CHECK(scrub_secrets("pm_") == "pm_");
  }

  TEST_CASE("a secret the config names is scrubbed wherever it appears, whatever it looks like") {
    register_secret("hunter2-smtp-password");
    CHECK(scrub_secrets("535 auth failed for hunter2-smtp-password.") == "535 auth failed for [redacted].");
    register_secret("abc");  // too short to scrub without mangling ordinary text
    CHECK(scrub_secrets("abc") == "abc");
  }

  TEST_CASE("a provider error keeps no secret in its message or body excerpt") {
    const auto e = JobError::permanent("http_401", "Invalid API Key provided: sk_test_4eC39HqLyjWDarjtT1zdp7dc")
                       .with_body("{\"error\":{\"message\":\"Invalid API Key provided: sk_test_4eC39HqLyjWDarjtT1zdp7dc\"}}");
    CHECK(e.message.find("4eC39") == std::string::npos);
    CHECK(e.body_excerpt.find("4eC39") == std::string::npos);
    CHECK(e.body_excerpt.find("sk_test_[redacted]") != std::string::npos);
  }
}
