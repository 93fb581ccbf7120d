// Outgoing HTTP(S) through libcurl, shared by the Stripe provider and the
// webhook. TLS is verified against the system CA store (plus [tls] ca_file);
// connect and total timeouts are always set; a requested Cancel aborts the
// transfer.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/cancel.h"
#include "core/error.h"
#include "core/time.h"

namespace shopd {

struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int timeout_seconds = 30;
  int connect_timeout_seconds = 10;
  std::string_view ca_bundle;  // PEM to trust instead of the system store; must outlive the call
};

struct HttpResponse {
  int status = 0;
  std::string body;
  std::optional<int> retry_after_seconds;  // parsed Retry-After (seconds or HTTP date)
};

// A response of any status is a value; only transport failures are a
// JobError: Unreachable (DNS, connect, TLS, timeout, connection lost) or
// Transient ("cancelled").
Result<HttpResponse> http_send(const HttpRequest& request, const Cancel& cancel);

// What a status means for retrying: 408, 409, 425, 429 and 5xx are Transient; other 4xx Permanent.
bool is_transient_http_status(int status);

// A Retry-After header value as seconds from `now`: delta-seconds ("120") or
// an HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT"; a date in the past gives 0).
// nullopt when the value is neither. Capped at one day.
std::optional<int> parse_retry_after(std::string_view value, TimePoint now);

// application/x-www-form-urlencoded: "a=1&b=x%20y", names and values
// percent-encoded (RFC 3986 unreserved characters stay as they are).
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace shopd
