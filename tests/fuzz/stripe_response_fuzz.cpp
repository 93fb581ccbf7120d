// Fuzz target: what shopd makes of a Stripe answer (interpret_stripe_response
// in src/providers/payment_stripe.cpp, with parse_retry_after from
// src/providers/http_client.cpp for the Retry-After header).
//
// Input: a first line "<HTTP status>[ <Retry-After value>]", then the body,
// e.g. "402\n{\"error\": {\"code\": \"card_declined\"}}".
//
// Properties, beyond "no crash":
// - Retry-After is nothing, or 0 to 86400 seconds;
// - a charge only comes from a 2xx that says "succeeded", with the intent's id;
// - every error carries a code, a message, the HTTP status and a body
//   excerpt that is a prefix of the body with secrets scrubbed (at most 500
//   bytes, not cutting a UTF-8 character of a UTF-8 body);
// - an error answer is Transient exactly when its status is (408, 409, 425,
//   429, 5xx), and keeps the Retry-After then;
// - a payment never ends failed while the provider may have charged it: a
//   2xx is Permanent only when the intent's status says the charge did not
//   happen (or is one shopd does not handle); a 2xx that is not a
//   PaymentIntent at all (no status) is Transient.
// The same answer read as a Refund (interpret_stripe_refund, for a refund of
// 15.00 of pi_123):
// - a refund is done only from a 2xx "succeeded" for exactly the amount
//   asked, with the refund's id;
// - an error answer is Transient exactly when its status is; a 2xx that is
//   not a Refund at all (no status) is Transient.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/redact.h"
#include "core/time.h"
#include "fuzz_check.h"
#include "providers/http_client.h"
#include "providers/payment.h"

using namespace shopd;
using shopd::fuzz::is_utf8;

namespace {

constexpr size_t kBodyExcerptBytes = 500;

// The "status" string of a JSON object body, if it has one.
std::optional<std::string> intent_status(const std::string& body) {
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object()) return std::nullopt;
  const auto it = json.find("status");
  if (it == json.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

void check_error(const HttpResponse& r, const JobError& e) {
  FUZZ_REQUIRE(!e.code.empty() && !e.message.empty(), e.code);
  FUZZ_REQUIRE(e.provider_status == r.status, std::to_string(e.provider_status));
  FUZZ_REQUIRE(e.body_excerpt.size() <= kBodyExcerptBytes, std::to_string(e.body_excerpt.size()));
  const std::string scrubbed = scrub_secrets(r.body);  // the record never holds a card token or key
  FUZZ_REQUIRE(std::string_view(scrubbed).starts_with(e.body_excerpt), e.body_excerpt);
  FUZZ_REQUIRE(!is_utf8(scrubbed) || is_utf8(e.body_excerpt), e.body_excerpt);

  const bool success_status = r.status >= 200 && r.status <= 299;
  if (!success_status) {
    FUZZ_REQUIRE(e.is_permanent() != is_transient_http_status(r.status), e.code);
    if (!e.is_permanent()) FUZZ_REQUIRE(e.retry_after_seconds == r.retry_after_seconds, e.code);
    return;
  }
  const auto status = intent_status(r.body);
  if (!status) {
    FUZZ_REQUIRE(!e.is_permanent(), "a 2xx that is not a PaymentIntent failed the payment: " + e.code);
    return;
  }
  if (*status == "succeeded" || *status == "processing")
    FUZZ_REQUIRE(!e.is_permanent(), "a 2xx saying " + *status + " failed the payment: " + e.code);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t eol = input.find('\n');
  const std::string_view first = input.substr(0, eol);
  HttpResponse r;
  if (eol != std::string_view::npos) r.body = std::string(input.substr(eol + 1));

  const size_t space = first.find(' ');
  const std::string_view status_text = first.substr(0, space);
  if (std::from_chars(status_text.data(), status_text.data() + status_text.size(), r.status).ec != std::errc())
    return 0;
  if (space != std::string_view::npos) {
    r.retry_after_seconds = parse_retry_after(first.substr(space + 1), *parse_iso("2026-11-28T04:30:21.000Z"));
    if (r.retry_after_seconds)
      FUZZ_REQUIRE(*r.retry_after_seconds >= 0 && *r.retry_after_seconds <= 86400,
                   std::to_string(*r.retry_after_seconds));
  }

  const Result<Charge> result = interpret_stripe_response(r);
  if (result.ok()) {
    FUZZ_REQUIRE(r.status >= 200 && r.status <= 299, std::to_string(r.status));
    FUZZ_REQUIRE(result.value().status == "succeeded", result.value().status);
    FUZZ_REQUIRE(!result.value().payment_intent_id.empty(), "a charge without a PaymentIntent id");
    FUZZ_REQUIRE(intent_status(r.body) == std::optional<std::string>("succeeded"), r.body);
  } else {
    check_error(r, result.error());
  }

  const RefundRequest ask{"order-1", "refund-1", "pi_123", 1500, "EUR", "shopd-refund-refund-1", 1};
  const Result<RefundDone> refunded = interpret_stripe_refund(r, ask);
  if (refunded.ok()) {
    FUZZ_REQUIRE(r.status >= 200 && r.status <= 299, std::to_string(r.status));
    FUZZ_REQUIRE(intent_status(r.body) == std::optional<std::string>("succeeded"), r.body);
    FUZZ_REQUIRE(refunded.value().amount_cents == 1500 && !refunded.value().provider_ref.empty(), r.body);
    const auto json = nlohmann::json::parse(r.body, nullptr, false);
    FUZZ_REQUIRE(json.is_object() && json.value("amount", nlohmann::json()) == 1500, r.body);
  } else {
    const JobError& e = refunded.error();
    FUZZ_REQUIRE(!e.code.empty() && !e.message.empty(), e.code);
    if (r.status < 200 || r.status > 299) {
      FUZZ_REQUIRE(e.is_permanent() != is_transient_http_status(r.status), e.code);
    } else if (!intent_status(r.body)) {
      FUZZ_REQUIRE(!e.is_permanent(), "a 2xx that is not a Refund failed it: " + e.code);
    }
  }
  return 0;
}
