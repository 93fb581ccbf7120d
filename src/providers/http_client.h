// Outgoing HTTP(S) through libcurl, shared by the Stripe provider and the
// webhook. TLS is verified against the system CA store; connect and total
// timeouts are always set; a requested Cancel aborts the transfer.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/cancel.h"
#include "core/error.h"

namespace shopd {

struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int timeout_seconds = 30;
  int connect_timeout_seconds = 10;
};

struct HttpResponse {
  int status = 0;
  std::string body;
  std::optional<int> retry_after_seconds;  // parsed Retry-After (seconds or HTTP date)
};

// A response of any status is a value; only transport failures (DNS, connect,
// TLS, timeout, cancel) are a Transient JobError.
Result<HttpResponse> http_send(const HttpRequest& request, const Cancel& cancel);

// What a status means for retrying: 408, 409, 425, 429 and 5xx are Transient; other 4xx Permanent.
bool is_transient_http_status(int status);

}  // namespace shopd
