#include <chrono>
#include <doctest/doctest.h>
#include <thread>

#include "providers/payment.h"

using namespace shopd;

namespace {

ChargeRequest request_for(const std::string& token, int attempt = 1) {
  return ChargeRequest{"order-1", 2400, "EUR", token, "key-order-1", attempt};
}

}  // namespace

TEST_SUITE("payment_test_mode") {
  TEST_CASE("pm_card_visa succeeds with an id stable per idempotency key") {
    auto provider = make_test_payment(0);
    Cancel cancel;
    auto first = provider->charge(request_for("pm_card_visa"), cancel);
    auto again = provider->charge(request_for("pm_card_visa", 2), cancel);
    REQUIRE(first.ok());
    REQUIRE(again.ok());
    CHECK(first.value().status == "succeeded");
    CHECK(first.value().payment_intent_id.starts_with("pi_test_"));
    CHECK(first.value().payment_intent_id.size() == 8 + 24);
    CHECK(first.value().payment_intent_id == again.value().payment_intent_id);
    CHECK(test_payment_intent_id("key-order-1") == first.value().payment_intent_id);
    CHECK(test_payment_intent_id("key-order-2") != first.value().payment_intent_id);
  }

  TEST_CASE("pm_card_chargeDeclined is a permanent card_declined on every attempt") {
    auto provider = make_test_payment(0);
    Cancel cancel;
    for (int attempt : {1, 2, 5}) {
      auto r = provider->charge(request_for("pm_card_chargeDeclined", attempt), cancel);
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().is_permanent());
      CHECK(r.error().code == "card_declined");
      CHECK(r.error().message == "Your card was declined.");
      CHECK(r.error().provider_status == 402);
    }
  }

  TEST_CASE("pm_card_transient fails transiently on attempts 1 and 2, then succeeds") {
    auto provider = make_test_payment(0);
    Cancel cancel;
    for (int attempt : {1, 2}) {
      auto r = provider->charge(request_for("pm_card_transient", attempt), cancel);
      REQUIRE_FALSE(r.ok());
      CHECK_FALSE(r.error().is_permanent());
    }
    auto third = provider->charge(request_for("pm_card_transient", 3), cancel);
    REQUIRE(third.ok());
    CHECK(third.value().status == "succeeded");
  }

  TEST_CASE("an unknown token is a permanent resource_missing that does not echo the token") {
    auto provider = make_test_payment(0);
    Cancel cancel;
    auto r = provider->charge(request_for("pm_secret_looking_token"), cancel);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().is_permanent());
    CHECK(r.error().code == "resource_missing");
    CHECK(r.error().message.find("pm_secret_looking_token") == std::string::npos);
  }

  TEST_CASE("simulated latency is interrupted by a cancel") {
    auto provider = make_test_payment(60'000);
    Cancel cancel;
    const auto start = std::chrono::steady_clock::now();
    std::thread canceller([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      cancel.request();
    });
    auto r = provider->charge(request_for("pm_card_visa"), cancel);
    canceller.join();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "cancelled");
    CHECK_FALSE(r.error().is_permanent());
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  }

  TEST_CASE("simulated latency delays a successful charge") {
    auto provider = make_test_payment(30);
    Cancel cancel;
    const auto start = std::chrono::steady_clock::now();
    auto r = provider->charge(request_for("pm_card_visa"), cancel);
    CHECK(r.ok());
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(30));
  }
}

TEST_SUITE("payment_test_mode refunds") {
  TEST_CASE("a refund succeeds without network, with an id stable per idempotency key") {
    auto provider = make_test_payment(0);
    Cancel cancel;
    const RefundRequest ask{"order-1", "refund-1", "pi_test_abc", 700, "EUR", "shopd-refund-refund-1", 1};
    auto first = provider->refund(ask, cancel);
    auto again = provider->refund(ask, cancel);
    REQUIRE(first.ok());
    REQUIRE(again.ok());
    CHECK(first.value().provider_ref.starts_with("re_test_"));
    CHECK(first.value().provider_ref == again.value().provider_ref);
    CHECK(first.value().amount_cents == 700);
    CHECK(test_refund_id("shopd-refund-refund-2") != first.value().provider_ref);
  }

  TEST_CASE("a refund of nothing charged is refused") {
    auto provider = make_test_payment(0);
    Cancel cancel;
    auto r = provider->refund(RefundRequest{"order-1", "refund-1", "", 700, "EUR", "k", 1}, cancel);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().is_permanent());
  }
}
