#include "providers/http_client.h"

#include <doctest/doctest.h>

#include "core/time.h"

using namespace shopd;

namespace {

// 2015-10-21T07:28:00Z
TimePoint fixed_now() { return *parse_iso("2015-10-21T07:28:00.000Z"); }

}  // namespace

TEST_SUITE("http_client") {
  TEST_CASE("408, 409, 425, 429 and 5xx are transient, other 4xx are not") {
    for (int s : {408, 409, 425, 429, 500, 502, 503, 504, 599}) CHECK_MESSAGE(is_transient_http_status(s), s);
    for (int s : {400, 401, 402, 403, 404, 410, 413, 422}) CHECK_MESSAGE(!is_transient_http_status(s), s);
  }

  TEST_CASE("Retry-After in delta-seconds is taken as is") {
    CHECK(parse_retry_after("120", fixed_now()) == 120);
    CHECK(parse_retry_after(" 0 ", fixed_now()) == 0);
  }

  TEST_CASE("Retry-After as an HTTP-date counts from now") {
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:30:00 GMT", fixed_now()) == 120);
    CHECK(parse_retry_after("Wednesday, 21-Oct-15 07:28:30 GMT", fixed_now()) == 30);
  }

  TEST_CASE("Retry-After in the past means retry now") {
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", fixed_now()) == 0);
  }

  TEST_CASE("Retry-After that is neither number nor date is ignored") {
    CHECK_FALSE(parse_retry_after("soon", fixed_now()).has_value());
    CHECK_FALSE(parse_retry_after("", fixed_now()).has_value());
    CHECK_FALSE(parse_retry_after("-5", fixed_now()).has_value());
  }

  TEST_CASE("Retry-After is capped at one day") {
    CHECK(parse_retry_after("999999999999999999999", fixed_now()) == 86400);
    CHECK(parse_retry_after("100000", fixed_now()) == 86400);
  }

  TEST_CASE("form fields are percent-encoded, unreserved characters are kept") {
    CHECK(form_encode({{"amount", "2400"}, {"metadata[order_id]", "a b&c=d"}}) ==
          "amount=2400&metadata%5Border_id%5D=a%20b%26c%3Dd");
    CHECK(form_encode({{"x", "-._~"}, {"y", "\xC3\xAB"}}) == "x=-._~&y=%C3%AB");
    CHECK(form_encode({}) == "");
  }

  TEST_CASE("a cancelled request fails at once as transient cancelled") {
    Cancel cancel;
    cancel.request();
    HttpRequest request;
    request.url = "http://127.0.0.1:9/never";
    auto r = http_send(request, cancel);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "cancelled");
    CHECK_FALSE(r.error().is_permanent());
  }

  TEST_CASE("a non-http URL is refused as a permanent invalid_url") {
    Cancel cancel;
    HttpRequest request;
    request.method = "GET";
    request.url = "file:///etc/passwd";
    auto r = http_send(request, cancel);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "invalid_url");
    CHECK(r.error().is_permanent());
    CHECK(r.error().where.find("src/providers/") == 0);
  }

  TEST_CASE("a refused connection is a transient connect_failed") {
    // Port 1 on loopback has no listener on any sane machine: connect() is refused at once.
    Cancel cancel;
    HttpRequest request;
    request.url = "http://127.0.0.1:1/";
    request.timeout_seconds = 5;
    request.connect_timeout_seconds = 2;
    auto r = http_send(request, cancel);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "connect_failed");
    CHECK_FALSE(r.error().is_permanent());
  }
}
