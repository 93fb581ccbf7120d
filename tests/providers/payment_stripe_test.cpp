#include <doctest/doctest.h>

#include "providers/payment.h"

using namespace shopd;

namespace {

HttpResponse answer(int status, std::string body, std::optional<int> retry_after = std::nullopt) {
  return HttpResponse{status, std::move(body), retry_after};
}

std::string field(const std::vector<std::pair<std::string, std::string>>& fields, const std::string& name) {
  for (const auto& [k, v] : fields)
    if (k == name) return v;
  return "<missing>";
}

}  // namespace

TEST_SUITE("payment_stripe") {
  TEST_CASE("a succeeded PaymentIntent is a charge") {
    auto r = interpret_stripe_response(answer(200, R"({"id":"pi_123","object":"payment_intent","status":"succeeded"})"));
    REQUIRE(r.ok());
    CHECK(r.value().payment_intent_id == "pi_123");
    CHECK(r.value().status == "succeeded");
  }

  TEST_CASE("a card_error 402 is permanent with Stripe's code, message, status and body") {
    const std::string body =
        R"({"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds",)"
        R"("message":"Your card has insufficient funds."}})";
    auto r = interpret_stripe_response(answer(402, body));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().is_permanent());
    CHECK(r.error().code == "card_declined");
    CHECK(r.error().message == "Your card has insufficient funds.");
    CHECK(r.error().provider_status == 402);
    CHECK(r.error().body_excerpt == body);
    CHECK(r.error().where.find("src/providers/payment_stripe.cpp") == 0);
  }

  TEST_CASE("a decline without a code uses the decline_code") {
    auto r = interpret_stripe_response(
        answer(402, R"({"error":{"type":"card_error","decline_code":"fraudulent","message":"Declined."}})"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "fraudulent");
  }

  TEST_CASE("429 is transient and keeps the Retry-After") {
    auto r = interpret_stripe_response(
        answer(429, R"({"error":{"type":"invalid_request_error","code":"rate_limit","message":"Too many requests."}})", 7));
    REQUIRE_FALSE(r.ok());
    CHECK_FALSE(r.error().is_permanent());
    CHECK(r.error().code == "rate_limit");
    CHECK(r.error().retry_after_seconds == 7);
    CHECK(r.error().provider_status == 429);
  }

  TEST_CASE("500 is transient, also when the body is not JSON") {
    auto r = interpret_stripe_response(answer(500, "<html>Internal Server Error</html>"));
    REQUIRE_FALSE(r.ok());
    CHECK_FALSE(r.error().is_permanent());
    CHECK(r.error().code == "http_500");
    CHECK(r.error().body_excerpt == "<html>Internal Server Error</html>");
  }

  TEST_CASE("409 idempotency conflict is transient") {
    auto r = interpret_stripe_response(answer(
        409, R"({"error":{"type":"idempotency_error","code":"idempotency_key_in_use","message":"in progress"}})"));
    REQUIRE_FALSE(r.ok());
    CHECK_FALSE(r.error().is_permanent());
    CHECK(r.error().code == "idempotency_key_in_use");
  }

  TEST_CASE("other 4xx such as a missing PaymentMethod are permanent") {
    auto r = interpret_stripe_response(answer(
        400, R"({"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such PaymentMethod"}})"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().is_permanent());
    CHECK(r.error().code == "resource_missing");
    auto unauthorized = interpret_stripe_response(answer(401, R"({"error":{"type":"invalid_request_error","message":"Invalid API Key"}})"));
    REQUIRE_FALSE(unauthorized.ok());
    CHECK(unauthorized.error().is_permanent());
    CHECK(unauthorized.error().code == "http_401");
    CHECK(unauthorized.error().message == "Invalid API Key");
  }

  TEST_CASE("requires_action is permanent: a server-side charge cannot authenticate") {
    auto r = interpret_stripe_response(answer(200, R"({"id":"pi_1","status":"requires_action"})"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().is_permanent());
    CHECK(r.error().code == "authentication_required");
    CHECK(r.error().provider_status == 200);
  }

  TEST_CASE("requires_payment_method reports the last payment error") {
    auto r = interpret_stripe_response(answer(
        200, R"({"id":"pi_1","status":"requires_payment_method",)"
             R"("last_payment_error":{"type":"card_error","code":"expired_card","message":"Your card has expired."}})"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().is_permanent());
    CHECK(r.error().code == "expired_card");
    CHECK(r.error().message == "Your card has expired.");
  }

  TEST_CASE("canceled is permanent and processing is transient") {
    auto canceled = interpret_stripe_response(answer(200, R"({"id":"pi_1","status":"canceled"})"));
    REQUIRE_FALSE(canceled.ok());
    CHECK(canceled.error().is_permanent());
    CHECK(canceled.error().code == "payment_canceled");
    auto processing = interpret_stripe_response(answer(200, R"({"id":"pi_1","status":"processing"})"));
    REQUIRE_FALSE(processing.ok());
    CHECK_FALSE(processing.error().is_permanent());
  }

  TEST_CASE("a 2xx that is not JSON is transient: retrying with the same key is safe") {
    auto r = interpret_stripe_response(answer(200, "oops"));
    REQUIRE_FALSE(r.ok());
    CHECK_FALSE(r.error().is_permanent());
    CHECK(r.error().code == "invalid_response");
  }

  // Found by tests/fuzz/stripe_response_fuzz.cpp: a 2xx that cannot be read
  // as a PaymentIntent failed the payment for good, although Stripe may have
  // charged the card. A retry with the same Idempotency-Key finds out.
  TEST_CASE("a 2xx without a PaymentIntent status, or succeeded without an id, is transient") {
    for (const char* body : {R"({"status":"succeeded"})", R"({"id":"","status":"succeeded"})", R"({"id":"pi_1"})",
                             R"({"id":"pi_1","status":7})", R"({"id[":"pi_1","status":"succeeded"})", "{}"}) {
      CAPTURE(body);
      auto r = interpret_stripe_response(answer(200, body));
      REQUIRE_FALSE(r.ok());
      CHECK_FALSE(r.error().is_permanent());
      CHECK(r.error().code == "invalid_response");
      CHECK(r.error().provider_status == 200);
    }
  }

  TEST_CASE("the charge request confirms server-side without redirects") {
    ChargeRequest req{"0190-order", 2400, "EUR", "pm_card_visa", "order-0190-order", 1};
    const auto fields = stripe_charge_fields(req);
    CHECK(field(fields, "amount") == "2400");
    CHECK(field(fields, "currency") == "eur");
    CHECK(field(fields, "payment_method") == "pm_card_visa");
    CHECK(field(fields, "confirm") == "true");
    CHECK(field(fields, "automatic_payment_methods[enabled]") == "true");
    CHECK(field(fields, "automatic_payment_methods[allow_redirects]") == "never");
    CHECK(field(fields, "metadata[order_id]") == "0190-order");
  }

  TEST_CASE("the factory picks the provider by name and rejects unknown names") {
    Config::Payment config;
    config.provider = "test";
    CHECK(make_payment_provider(config) != nullptr);
    config.provider = "stripe";
    CHECK(make_payment_provider(config) != nullptr);
    config.provider = "paypal";
    CHECK_THROWS_AS(make_payment_provider(config), ConfigError);
  }
}

TEST_SUITE("payment_stripe refunds") {
  const RefundRequest kAsk{"order-1", "refund-1", "pi_123", 1500, "EUR", "shopd-refund-refund-1", 1};

  TEST_CASE("a refund is asked for with the PaymentIntent, the amount and shopd's ids as metadata") {
    const auto fields = stripe_refund_fields(kAsk);
    CHECK(field(fields, "payment_intent") == "pi_123");
    CHECK(field(fields, "amount") == "1500");
    CHECK(field(fields, "metadata[order_id]") == "order-1");
    CHECK(field(fields, "metadata[refund_id]") == "refund-1");
    CHECK(fields.size() == 4);
  }

  TEST_CASE("a succeeded refund for the amount asked is done, with Stripe's refund id") {
    auto r = interpret_stripe_refund(
        answer(200, R"({"id":"re_1","object":"refund","amount":1500,"payment_intent":"pi_123","status":"succeeded"})"),
        kAsk);
    REQUIRE(r.ok());
    CHECK(r.value().provider_ref == "re_1");
    CHECK(r.value().amount_cents == 1500);
  }

  TEST_CASE("a refund for another amount or PaymentIntent is never taken as done") {
    for (const char* body : {R"({"id":"re_1","amount":2400,"payment_intent":"pi_123","status":"succeeded"})",
                             R"({"id":"re_1","amount":1500,"payment_intent":"pi_999","status":"succeeded"})",
                             R"({"id":"re_1","payment_intent":"pi_123","status":"succeeded"})"}) {
      CAPTURE(body);
      auto r = interpret_stripe_refund(answer(200, body), kAsk);
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().is_permanent());
      CHECK(r.error().code == "refund_mismatch");
    }
  }

  TEST_CASE("a pending refund is retried; a failed or canceled one is permanent") {
    auto pending =
        interpret_stripe_refund(answer(200, R"({"id":"re_1","amount":1500,"status":"pending"})"), kAsk);
    REQUIRE_FALSE(pending.ok());
    CHECK_FALSE(pending.error().is_permanent());
    CHECK(pending.error().code == "refund_pending");
    CHECK(pending.error().provider_ref == "re_1");
    auto failed = interpret_stripe_refund(
        answer(200, R"({"id":"re_1","amount":1500,"status":"failed","failure_reason":"expired_or_canceled_card"})"),
        kAsk);
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.error().is_permanent());
    CHECK(failed.error().code == "refund_failed");
    CHECK(failed.error().message.find("expired_or_canceled_card") != std::string::npos);
  }

  TEST_CASE("Stripe refusing more than is left is permanent; its 5xx is transient; garbage is retried") {
    auto refused = interpret_stripe_refund(
        answer(400, R"({"error":{"type":"invalid_request_error","code":"charge_already_refunded","message":"x"}})"),
        kAsk);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().is_permanent());
    CHECK(refused.error().code == "charge_already_refunded");
    auto down = interpret_stripe_refund(answer(503, "oops"), kAsk);
    REQUIRE_FALSE(down.ok());
    CHECK_FALSE(down.error().is_permanent());
    auto garbage = interpret_stripe_refund(answer(200, "<html>"), kAsk);
    REQUIRE_FALSE(garbage.ok());
    CHECK(garbage.error().code == "invalid_response");
    CHECK_FALSE(garbage.error().is_permanent());
  }
}
