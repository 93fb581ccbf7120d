#include <curl/curl.h>
#include <doctest/doctest.h>

#include "providers/mailer.h"

using namespace shopd;

TEST_SUITE("mail_smtp") {
  TEST_CASE("a finished transfer is success") {
    CHECK_FALSE(interpret_smtp_result(CURLE_OK, 250, "").has_value());
  }

  TEST_CASE("a 4xx reply is transient and carries the reply code") {
    const auto e = interpret_smtp_result(CURLE_SEND_ERROR, 451, "RCPT failed: 451");
    REQUIRE(e.has_value());
    CHECK_FALSE(e->is_permanent());
    CHECK(e->code == "smtp_451");
    CHECK(e->provider_status == 451);
  }

  TEST_CASE("a 5xx reply is permanent and carries the reply code") {
    const auto e = interpret_smtp_result(CURLE_SEND_ERROR, 550, "RCPT failed: 550");
    REQUIRE(e.has_value());
    CHECK(e->is_permanent());
    CHECK(e->code == "smtp_550");
    CHECK(e->provider_status == 550);
    CHECK(e->where.find("src/providers/mail_smtp.cpp") == 0);
  }

  TEST_CASE("no reply at all is classified by the transfer error") {
    const auto refused = interpret_smtp_result(CURLE_COULDNT_CONNECT, 0, "Failed to connect");
    REQUIRE(refused.has_value());
    CHECK_FALSE(refused->is_permanent());
    CHECK(refused->code == "connect_failed");
    const auto timeout = interpret_smtp_result(CURLE_OPERATION_TIMEDOUT, 0, "Operation timed out");
    REQUIRE(timeout.has_value());
    CHECK(timeout->code == "timeout");
    CHECK(refused->is_unreachable());
    CHECK(timeout->is_unreachable());
    // A relay that answers without the TLS we insist on is reachable and misconfigured: attempts count.
    const auto tls = interpret_smtp_result(CURLE_USE_SSL_FAILED, 250, "STARTTLS not supported");
    REQUIRE(tls.has_value());
    CHECK(tls->code == "tls_required");
    CHECK_FALSE(tls->is_permanent());
    CHECK_FALSE(tls->is_unreachable());
    const auto cancelled = interpret_smtp_result(CURLE_ABORTED_BY_CALLBACK, 250, "");
    REQUIRE(cancelled.has_value());
    CHECK(cancelled->code == "cancelled");
  }

  TEST_CASE("a send that is already cancelled does not connect") {
    Config::Email config;
    config.transport = "smtp";
    config.smtp_url = "smtp://127.0.0.1:1";
    auto mailer = make_smtp_mailer(config);
    Cancel cancel;
    cancel.request();
    Email e;
    e.from = {"", "orders@shop.example"};
    e.to = {"", "ann@example.com"};
    e.message_id = "<x@y>";
    const auto error = mailer->send(e, cancel);
    REQUIRE(error.has_value());
    CHECK(error->code == "cancelled");
  }
}
