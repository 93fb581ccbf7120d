// Log lines are JSON and never carry a customer's address or a secret.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "obs/log.h"

namespace shopd {

TEST_SUITE("log") {
  TEST_CASE("an email address is masked to its first letter and domain") {
    CHECK(log::mask_email("ann@example.com") == "a***@example.com");
    CHECK(log::redact("zoe.ny@shop.example") == "z***@shop.example");
  }

  TEST_CASE("card tokens, API keys and bearer tokens are redacted") {
    CHECK(log::redact("pm_card_visa") == "pm_[redacted]");
    CHECK(log::redact("sk_live_123") == "sk_live_[redacted]");
    CHECK(log::redact("Bearer abc") == "Bearer [redacted]");
    CHECK(log::redact("payment.charge") == "payment.charge");
  }

  TEST_CASE("an email address anywhere in a message is masked") {
    CHECK(log::redact("550 5.1.1 <ann@example.com>: Recipient address rejected") ==
          "550 5.1.1 <a***@example.com>: Recipient address rejected");
    CHECK(log::redact("to ann@example.com and bo.b+x@mail.example.org") ==
          "to a***@example.com and b***@mail.example.org");
    CHECK(log::redact("user@localhost is not an address we mask") == "user@localhost is not an address we mask");
  }

  TEST_CASE("a line is one JSON object with ts, level and msg first, nested values redacted") {
    const std::string line = log::format_line(
        log::Level::warn, "job failed", {{"job_id", "j1"}, {"detail", {{"to", "ann@example.com"}}}},
        "2026-11-28T04:30:21.123Z");
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line.rfind("{\"ts\":\"2026-11-28T04:30:21.123Z\",\"level\":\"warn\",\"msg\":\"job failed\"", 0) == 0);
    const auto j = nlohmann::json::parse(line);
    CHECK(j["detail"]["to"] == "a***@example.com");
    CHECK(line.find("ann@") == std::string::npos);
  }

  TEST_CASE("the access line is the line the general path prints for the same fields") {
    const std::string ts = "2026-11-28T04:30:21.123Z";
    const std::vector<log::AccessLine> lines = {
        {"01a22095-e8f2-7322-9923-18bdca4028f8", "POST", "/orders", 202, 0.7421875,
         "01a22095-e8f2-7323-ac5b-ab141d9565db"},
        {"checkout-abc-1", "GET", "/orders/{id}", 404, 12.0, ""},
        {"pm_card_visa", "GET", "unmatched", 400, 0.05, ""},       // a client's id that looks like a secret
        {"x", "G\"E\\T\x01", "unmatched", 400, 1e-05, ""},       // a request line the parser refused
        {"y", "", "preflight", 204, 3.25e3, ""},
    };
    for (const auto& l : lines) {
      nlohmann::json fields = {{"request_id", l.request_id}, {"method", l.method}, {"route", l.route},
                               {"status", l.status}, {"duration_ms", l.duration_ms}};
      if (!l.order_id.empty()) fields["order_id"] = l.order_id;
      CAPTURE(l.method);
      CHECK(log::format_access_line(l, ts) == log::format_line(log::Level::info, "request", fields, ts));
    }
  }

  TEST_CASE("the access line stays valid JSON whatever bytes the method holds") {
    const std::string line = log::format_access_line({"r", "\xff\xfe\"}", "unmatched", 400, 1, ""}, "t");
    CHECK(nlohmann::json::parse(line)["status"] == 400);
  }

  TEST_CASE("invalid UTF-8 in a field does not break the line") {
    const std::string line = log::format_line(log::Level::info, "x", {{"v", std::string("\xff\xfe")}}, "t");
    CHECK(nlohmann::json::parse(line).is_object());
  }
}

}  // namespace shopd
