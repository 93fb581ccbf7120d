#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "providers/webhook.h"

using namespace shopd;

TEST_SUITE("webhook") {
  TEST_CASE("the body is JSON with a text field") {
    const auto body = nlohmann::json::parse(webhook_body("order 1: payment.charge dead \"card_declined\"\nline 2"));
    CHECK(body["text"] == "order 1: payment.charge dead \"card_declined\"\nline 2");
  }

  TEST_CASE("invalid UTF-8 in the text does not throw") {
    CHECK_NOTHROW(webhook_body(std::string("cut \xC3", 5)));
  }

  TEST_CASE("2xx is delivered") {
    CHECK_FALSE(interpret_webhook_response({200, "ok", std::nullopt}).has_value());
    CHECK_FALSE(interpret_webhook_response({204, "", std::nullopt}).has_value());
  }

  TEST_CASE("429 and 5xx are transient with Retry-After, other 4xx permanent") {
    const auto limited = interpret_webhook_response({429, "slow down", 30});
    REQUIRE(limited.has_value());
    CHECK_FALSE(limited->is_permanent());
    CHECK(limited->retry_after_seconds == 30);
    CHECK(limited->provider_status == 429);
    CHECK(limited->body_excerpt == "slow down");
    const auto down = interpret_webhook_response({503, "", std::nullopt});
    REQUIRE(down.has_value());
    CHECK_FALSE(down->is_permanent());
    const auto gone = interpret_webhook_response({404, "no_team", std::nullopt});
    REQUIRE(gone.has_value());
    CHECK(gone->is_permanent());
    CHECK(gone->code == "http_404");
  }

  TEST_CASE("no webhook is made without a URL") {
    Config::Alerts config;
    CHECK(make_webhook(config) == nullptr);
    config.webhook_url = "http://127.0.0.1:9/hook";
    CHECK(make_webhook(config) != nullptr);
  }
}
