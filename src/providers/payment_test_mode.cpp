// The built-in payment provider: no network, no secrets, so the shipped
// shop.toml runs out of the box. It answers the way Stripe's test cards do,
// including the HTTP status Stripe would send, so the failure records look
// like real ones.
#include <chrono>

#include "core/sha256.h"
#include "providers/payment.h"

namespace shopd {

namespace {

constexpr int kTransientFailures = 2;  // pm_card_transient fails this many attempts first

class TestPayment final : public PaymentProvider {
 public:
  explicit TestPayment(int latency_ms) : latency_(latency_ms) {}

  Result<Charge> charge(const ChargeRequest& request, const Cancel& cancel) override {
    if (cancel.requested() || (latency_.count() > 0 && !cancel.sleep_for(latency_)))
      return JobError::transient("cancelled", "cancelled by shutdown");

    const std::string& pm = request.payment_method;
    if (pm == "pm_card_visa") return succeeded(request);
    if (pm == "pm_card_chargeDeclined")
      return JobError::permanent("card_declined", "Your card was declined.").with_status(402);
    if (pm == "pm_card_transient") {
      if (request.attempt <= kTransientFailures)
        return JobError::transient("test_transient", "Simulated provider outage (test mode, attempt " +
                                                         std::to_string(request.attempt) + ").")
            .with_status(503);
      return succeeded(request);
    }
    // The token itself stays out of the message: card tokens are never logged.
    return JobError::permanent("resource_missing", "No such PaymentMethod (test mode knows pm_card_visa, "
                                                   "pm_card_chargeDeclined and pm_card_transient).")
        .with_status(400);
  }

  // Test mode keeps no money: shopd's own check (never more than was charged,
  // in the transaction that creates the refund) is the limit here.
  Result<RefundDone> refund(const RefundRequest& request, const Cancel& cancel) override {
    if (cancel.requested() || (latency_.count() > 0 && !cancel.sleep_for(latency_)))
      return JobError::transient("cancelled", "cancelled by shutdown");
    if (request.payment_intent_id.empty())
      return JobError::permanent("resource_missing", "No PaymentIntent to refund.").with_status(400);
    return RefundDone{test_refund_id(request.idempotency_key), request.amount_cents};
  }

 private:
  std::chrono::milliseconds latency_;

  static Charge succeeded(const ChargeRequest& request) {
    return Charge{test_payment_intent_id(request.idempotency_key), "succeeded"};
  }
};

}  // namespace

std::string test_payment_intent_id(const std::string& idempotency_key) {
  return "pi_test_" + sha256_hex(idempotency_key).substr(0, 24);
}

std::string test_refund_id(const std::string& idempotency_key) {
  return "re_test_" + sha256_hex(idempotency_key).substr(0, 24);
}

std::unique_ptr<PaymentProvider> make_test_payment(int latency_ms) {
  return std::make_unique<TestPayment>(latency_ms);
}

}  // namespace shopd
