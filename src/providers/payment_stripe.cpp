// Stripe: one call creates and confirms a PaymentIntent. The Idempotency-Key
// makes a re-run safe: Stripe answers a repeated key with the first answer and
// never charges twice (a key still in flight gets 409, which we retry).
#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "providers/payment.h"

namespace shopd {

namespace {

using nlohmann::json;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string string_at(const json& object, const char* key) {
  if (!object.is_object()) return "";
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

struct StripeError {
  std::string type;
  std::string code;
  std::string decline_code;
  std::string message;
};

StripeError stripe_error_of(const json& error) {
  return {string_at(error, "type"), string_at(error, "code"), string_at(error, "decline_code"),
          string_at(error, "message")};
}

std::string code_of(const StripeError& e, const std::string& fallback) {
  if (!e.code.empty()) return e.code;
  if (!e.decline_code.empty()) return e.decline_code;
  return fallback;
}

JobError interpret_error(const HttpResponse& r, const json& body) {
  const json error = body.is_object() ? body.value("error", json()) : json();
  const StripeError e = stripe_error_of(error);
  // A declined confirm names the PaymentIntent it made: the owner's lookup key.
  const std::string intent = string_at(error.is_object() ? error.value("payment_intent", json()) : json(), "id");
  const std::string code = code_of(e, "http_" + std::to_string(r.status));
  const std::string message =
      !e.message.empty() ? e.message : "Stripe answered HTTP " + std::to_string(r.status) + ".";
  if (is_transient_http_status(r.status))
    return JobError::transient(code, message)
        .with_status(r.status)
        .with_body(r.body)
        .with_retry_after(r.retry_after_seconds)
        .with_provider_ref(intent);
  return JobError::permanent(code, message).with_status(r.status).with_body(r.body).with_provider_ref(intent);
}

// A 2xx answer that is not a PaymentIntent shopd can read. The charge may
// have happened; a retry with the same Idempotency-Key finds out safely.
JobError unreadable_answer(const HttpResponse& r, const std::string& what) {
  return JobError::transient("invalid_response", "Stripe answered " + std::to_string(r.status) + " with " + what + ".")
      .with_status(r.status)
      .with_body(r.body);
}

// A confirmed PaymentIntent: succeeded, or why not. Its last_payment_error
// says why, in the same shape as an error answer.
Result<Charge> interpret_intent(const HttpResponse& r, const json& intent) {
  const std::string id = string_at(intent, "id");
  const std::string status = string_at(intent, "status");
  if (status.empty()) return unreadable_answer(r, "no PaymentIntent status");
  if (status == "succeeded") {
    if (id.empty()) return unreadable_answer(r, "a succeeded PaymentIntent without an id");
    return Charge{id, status};
  }
  if (status == "processing")
    return JobError::transient("payment_processing", "Stripe is still processing the payment.")
        .with_status(r.status)
        .with_body(r.body)
        .with_provider_ref(id)
        .with_retry_after(r.retry_after_seconds);

  const StripeError last = stripe_error_of(intent.value("last_payment_error", json()));
  if (status == "requires_action")
    return JobError::permanent("authentication_required",
                               "The payment needs the customer to authenticate (for example 3-D Secure), "
                               "which a server-side charge cannot do.")
        .with_status(r.status)
        .with_body(r.body)
        .with_provider_ref(id);
  if (status == "requires_payment_method")
    return JobError::permanent(code_of(last, "payment_failed"),
                               !last.message.empty() ? last.message : "The payment method was not accepted.")
        .with_status(r.status)
        .with_body(r.body)
        .with_provider_ref(id);
  if (status == "canceled")
    return JobError::permanent("payment_canceled", "The PaymentIntent was canceled.")
        .with_status(r.status)
        .with_body(r.body)
        .with_provider_ref(id);
  return JobError::permanent("unexpected_status",
                             "Stripe answered with PaymentIntent status \"" + status + "\", which shopd does not handle.")
      .with_status(r.status)
      .with_body(r.body)
      .with_provider_ref(id);
}

class StripePayment final : public PaymentProvider {
 public:
  StripePayment(Config::Payment config, std::string_view ca_bundle)
      : config_(std::move(config)), ca_bundle_(ca_bundle) {
    while (!config_.api_base.empty() && config_.api_base.back() == '/') config_.api_base.pop_back();
  }

  Result<RefundDone> refund(const RefundRequest& request, const Cancel& cancel) override {
    HttpRequest create = base_request("POST", "/v1/refunds");
    create.headers.emplace_back("Idempotency-Key", request.idempotency_key);
    create.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    create.body = form_encode(stripe_refund_fields(request));
    auto sent = http_send(create, cancel);
    if (!sent.ok()) return sent.error();
    auto refunded = interpret_stripe_refund(sent.value(), request);
    // A repeated Idempotency-Key replays "pending" for a day: ask for the refund's state now.
    if (!refunded.ok() && refunded.error().code == "refund_pending") {
      const std::string id = intent_id(sent.value());
      if (id.empty()) return refunded;
      auto current = http_send(base_request("GET", "/v1/refunds/" + id), cancel);
      if (!current.ok()) return current.error();
      return interpret_stripe_refund(current.value(), request);
    }
    return refunded;
  }

  Result<Charge> charge(const ChargeRequest& request, const Cancel& cancel) override {
    HttpRequest create = base_request("POST", "/v1/payment_intents");
    create.headers.emplace_back("Idempotency-Key", request.idempotency_key);
    create.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    create.body = form_encode(stripe_charge_fields(request));

    auto sent = http_send(create, cancel);
    if (!sent.ok()) return sent.error();
    auto charged = interpret_stripe_response(sent.value());
    // A repeated Idempotency-Key replays the first answer for a day, so a
    // "processing" intent would look unfinished on every retry: ask for its
    // current state instead.
    if (!charged.ok() && charged.error().code == "payment_processing") {
      const std::string id = intent_id(sent.value());
      if (id.empty()) return charged;
      auto current = http_send(base_request("GET", "/v1/payment_intents/" + id), cancel);
      if (!current.ok()) return current.error();
      return interpret_stripe_response(current.value());
    }
    return charged;
  }

 private:
  Config::Payment config_;
  std::string_view ca_bundle_;

  HttpRequest base_request(const char* method, const std::string& path) const {
    HttpRequest http;
    http.method = method;
    http.url = config_.api_base + path;
    http.headers = {{"Authorization", "Bearer " + config_.secret_key},
                    {"Accept", "application/json"},
                    {"Stripe-Version", kStripeApiVersion}};
    http.timeout_seconds = config_.timeout_seconds;
    http.connect_timeout_seconds = std::min(10, config_.timeout_seconds);
    http.ca_bundle = ca_bundle_;
    return http;
  }

  // The id of the PaymentIntent (or Refund) in a 2xx answer; ids are [A-Za-z0-9_], anything else is not used in a URL.
  static std::string intent_id(const HttpResponse& r) {
    const std::string id = string_at(json::parse(r.body, nullptr, false), "id");
    const bool safe = !id.empty() && std::all_of(id.begin(), id.end(), [](unsigned char c) {
      return std::isalnum(c) || c == '_';
    });
    return safe ? id : "";
  }
};

}  // namespace

std::vector<std::pair<std::string, std::string>> stripe_charge_fields(const ChargeRequest& request) {
  return {
      {"amount", std::to_string(request.amount_cents)},
      {"currency", lower(request.currency)},
      {"payment_method", request.payment_method},
      {"confirm", "true"},
      // Without these, a confirm=true create demands a return_url for the
      // redirect-based methods a Dashboard may enable.
      {"automatic_payment_methods[enabled]", "true"},
      {"automatic_payment_methods[allow_redirects]", "never"},
      {"metadata[order_id]", request.order_id},
  };
}

Result<Charge> interpret_stripe_response(const HttpResponse& response) {
  const json body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (response.status >= 200 && response.status <= 299) {
    if (!body.is_object()) return unreadable_answer(response, "a body that is not a JSON object");
    return interpret_intent(response, body);
  }
  return interpret_error(response, body);
}

std::vector<std::pair<std::string, std::string>> stripe_refund_fields(const RefundRequest& request) {
  return {
      {"payment_intent", request.payment_intent_id},
      {"amount", std::to_string(request.amount_cents)},
      {"metadata[order_id]", request.order_id},
      {"metadata[refund_id]", request.refund_id},
  };
}

namespace {

// A Refund in a 2xx answer: succeeded for what was asked, or why not.
Result<RefundDone> interpret_refund(const HttpResponse& r, const json& refund, const RefundRequest& request) {
  const std::string id = string_at(refund, "id");
  const std::string status = string_at(refund, "status");
  if (status.empty()) return unreadable_answer(r, "no Refund status");
  auto fail = [&](JobError e) { return e.with_status(r.status).with_body(r.body).with_provider_ref(id); };
  const auto amount = refund.find("amount");
  const std::string intent = string_at(refund, "payment_intent");
  if (amount == refund.end() || !amount->is_number_integer() || amount->get<int64_t>() != request.amount_cents ||
      (!intent.empty() && intent != request.payment_intent_id))
    return fail(JobError::permanent("refund_mismatch",
                                    "Stripe's refund is not the one asked for (another amount or PaymentIntent)."));
  if (status == "succeeded") {
    if (id.empty()) return unreadable_answer(r, "a succeeded Refund without an id");
    return RefundDone{id, request.amount_cents};
  }
  if (status == "pending")
    return fail(JobError::transient("refund_pending", "Stripe is still processing the refund.")
                    .with_retry_after(r.retry_after_seconds));
  const std::string reason = string_at(refund, "failure_reason");
  return fail(JobError::permanent("refund_" + status, "Stripe answered with Refund status \"" + status + "\"" +
                                                          (reason.empty() ? "." : " (" + reason + ").")));
}

}  // namespace

Result<RefundDone> interpret_stripe_refund(const HttpResponse& response, const RefundRequest& request) {
  const json body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (response.status >= 200 && response.status <= 299) {
    if (!body.is_object()) return unreadable_answer(response, "a body that is not a JSON object");
    return interpret_refund(response, body, request);
  }
  return interpret_error(response, body);
}

std::unique_ptr<PaymentProvider> make_stripe_payment(const Config::Payment& config, std::string_view ca_bundle) {
  return std::make_unique<StripePayment>(config, ca_bundle);
}

}  // namespace shopd
