// Charging a card, and giving money back. The worker's payment.charge job
// calls charge(), payment.refund calls refund(); the implementations are the
// built-in test mode (no network) and Stripe.
//
// Contract for every implementation:
// - charge() and refund() are idempotent per request.idempotency_key: calling
//   again with the same key never charges or refunds twice (Stripe: the
//   Idempotency-Key header).
// - Errors are typed: network trouble, timeouts, 409, 429 and 5xx are
//   Transient (with the provider's Retry-After when sent); declines and other
//   4xx are Permanent, carrying the provider's code, message, HTTP status and
//   a body excerpt for the failure record.
// - Thread-safe: many jobs charge at once.
// - Returns promptly (a Transient "cancelled" error) once `cancel` is requested.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "core/cancel.h"
#include "core/error.h"
#include "providers/http_client.h"

namespace shopd {

struct ChargeRequest {
  std::string order_id;
  int64_t amount_cents = 0;
  std::string currency;         // ISO 4217 as configured ("EUR"); Stripe gets it lower case
  std::string payment_method;   // Stripe PaymentMethod id, "pm_..."
  std::string idempotency_key;  // stable per order
  int attempt = 1;              // 1-based attempt number of the job
};

// The Stripe API version every request pins (Stripe-Version header), so a
// change of the account's default version never changes what shopd reads.
inline constexpr const char* kStripeApiVersion = "2024-06-20";

struct Charge {
  std::string payment_intent_id;  // "pi_..."
  std::string status;             // "succeeded"
};

struct RefundRequest {
  std::string order_id;
  std::string refund_id;          // shopd's refund id (metadata[refund_id])
  std::string payment_intent_id;  // what was charged ("pi_...")
  int64_t amount_cents = 0;
  std::string currency;
  std::string idempotency_key;    // stable per refund
  int attempt = 1;
};

struct RefundDone {
  std::string provider_ref;  // Stripe's refund id, "re_..."
  int64_t amount_cents = 0;
};

class PaymentProvider {
 public:
  virtual ~PaymentProvider() = default;
  virtual Result<Charge> charge(const ChargeRequest& request, const Cancel& cancel) = 0;
  // Gives `amount_cents` of the PaymentIntent back. Success only once the
  // provider says the refund succeeded, for exactly the amount asked.
  virtual Result<RefundDone> refund(const RefundRequest& request, const Cancel& cancel) = 0;
};

// Test mode knows pm_card_visa (succeeds), pm_card_chargeDeclined (permanent
// decline) and pm_card_transient (transient failure on attempts 1 and 2, then
// success); any other token is a permanent "resource_missing", as Stripe would answer.
std::unique_ptr<PaymentProvider> make_test_payment(int latency_ms);
// `ca_bundle`: PEM certificates to trust (Config::Tls::ca_bundle; empty: the
// system store); its text must outlive the provider.
std::unique_ptr<PaymentProvider> make_stripe_payment(const Config::Payment& config, std::string_view ca_bundle = {});
// By config.provider ("test" | "stripe"); throws ConfigError for any other name.
std::unique_ptr<PaymentProvider> make_payment_provider(const Config::Payment& config,
                                                       std::string_view ca_bundle = {});

// The test mode's PaymentIntent id for an idempotency key: "pi_test_" + 24 hex
// digits of its SHA-256, so a re-run of the same order reports the same id.
// Its refunds are "re_test_" + the same digits of the refund's key.
std::string test_payment_intent_id(const std::string& idempotency_key);
std::string test_refund_id(const std::string& idempotency_key);

// The form fields of Stripe's "create and confirm a PaymentIntent" call, in
// the order they are sent. Redirect-based payment methods are refused
// (automatic_payment_methods[allow_redirects]=never): the job runs on the
// server, with nobody there to follow a return_url.
std::vector<std::pair<std::string, std::string>> stripe_charge_fields(const ChargeRequest& request);

// What a Stripe answer to POST /v1/payment_intents (or GET of one) means (pure):
// - 2xx "succeeded" with the intent's id: the Charge. "processing": Transient.
//   "requires_action", "requires_payment_method", "canceled" (and any other
//   status): Permanent. A 2xx that is not a readable PaymentIntent (not a
//   JSON object, no status, "succeeded" without an id) is Transient
//   "invalid_response": Stripe may have charged, and a retry with the same
//   Idempotency-Key finds out.
//   (charge() follows a "processing" answer with a GET of the intent, since
//   a retry with the same Idempotency-Key would only replay "processing".)
// - An error answer: {"error": {"type", "code", "decline_code", "message"}}.
//   408, 409, 425, 429 and 5xx are Transient with the Retry-After; other 4xx
//   are Permanent. The code is Stripe's code (else decline_code, else
//   "http_<status>") and the message is Stripe's message.
// Every error carries the HTTP status and a body excerpt.
Result<Charge> interpret_stripe_response(const HttpResponse& response);

// The form fields of Stripe's "create a refund" call, in the order they are sent.
std::vector<std::pair<std::string, std::string>> stripe_refund_fields(const RefundRequest& request);

// What a Stripe answer to POST /v1/refunds (or GET of one) means for
// `request` (pure):
// - 2xx "succeeded" with an id, for the amount asked and the PaymentIntent
//   asked (when the answer names one): RefundDone. A different amount or
//   PaymentIntent is Permanent "refund_mismatch" (never more than asked is
//   accepted as done). "pending": Transient "refund_pending" (with the id in
//   provider_ref, for a GET). "failed", "canceled", "requires_action": Permanent.
//   A 2xx shopd cannot read is Transient "invalid_response" (a retry with the
//   same Idempotency-Key finds out).
// - An error answer as interpret_stripe_response's: Stripe refuses more than
//   is left to refund with a 400 (Permanent).
Result<RefundDone> interpret_stripe_refund(const HttpResponse& response, const RefundRequest& request);

}  // namespace shopd
