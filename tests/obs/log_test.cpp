// Log lines are JSON and never carry a customer's address or a secret.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

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

  TEST_CASE("invalid UTF-8 in a field does not break the line") {
    const std::string line = log::format_line(log::Level::info, "x", {{"v", std::string("\xff\xfe")}}, "t");
    CHECK(nlohmann::json::parse(line).is_object());
  }
}

}  // namespace shopd
